/**
 * NTS Key Establishment records (RFC 8915 §4): the request we send and what the server's response
 * means. A record is a critical bit and a 15-bit type, a 16-bit body length and the body. Pure.
 */

export const RecordType = {
  EndOfMessage: 0,
  NextProtocol: 1,
  Error: 2,
  Warning: 3,
  AeadAlgorithm: 4,
  NewCookie: 5,
  NtpServer: 6,
  NtpPort: 7,
} as const

/** RFC 8915 §7.6: the only next protocol there is, NTPv4. */
export const NEXT_PROTOCOL_NTPV4 = 0
/** AEAD_AES_SIV_CMAC_256 (RFC 5297), the one algorithm every NTS server has (§5.1). */
export const AEAD_AES_SIV_CMAC_256 = 15
/** What we keep of a server's cookies (chrony's NTS_MAX_COOKIES). */
export const MAX_COOKIES = 8
/** A cookie longer than this is not one a real server makes (chrony's NKE_MAX_COOKIE_LENGTH). */
export const MAX_COOKIE_BYTES = 256
/** A response longer than this is not an NTS-KE response. */
export const MAX_RESPONSE_BYTES = 65_536

const CRITICAL = 0x8000
const ERROR_CODES: Readonly<Record<number, string>> = { 0: 'unrecognized critical record', 1: 'bad request', 2: 'internal server error' }

/** The client's request (§4.1.2): NTPv4, AES-SIV-CMAC-256, End of Message, all critical. */
export function encodeKeRequest(): Uint8Array {
  return concat([record(RecordType.NextProtocol, u16(NEXT_PROTOCOL_NTPV4)), record(RecordType.AeadAlgorithm, u16(AEAD_AES_SIV_CMAC_256)), record(RecordType.EndOfMessage, new Uint8Array(0))])
}

/** What a complete, acceptable response gives us. */
export interface KeResponse {
  aead: number
  cookies: Uint8Array[]
  /** the NTPv4 Server Negotiation record: the host to send NTP to, when not the NTS-KE server */
  ntpServer?: string
  /** the NTPv4 Port Negotiation record: the NTP port, when not 123 */
  ntpPort?: number
}

export type KeParse = { complete: KeResponse } | { incomplete: true } | { failure: string }

/**
 * Reads a response as it arrives (TLS may cut it anywhere, down to one byte per record). Only the
 * new bytes are looked at: each is copied in once (the buffer's doublings add at most as much
 * again) and each record is read once, so a server that trickles its response costs us time
 * linear in its length, not quadratic. Incomplete until End of Message; a failure for an Error
 * record, an unknown critical record, a malformed record, more than MAX_RESPONSE_BYTES, and a
 * response without NTPv4, without our AEAD or without cookies (§4.1.2-§4.1.7). Once final, the
 * answer stays (data after End of Message makes it a failure).
 */
export class KeResponseReader {
  #bytes = new Uint8Array(1024)
  #length = 0
  /** where the first record not read yet starts */
  #offset = 0
  #final: KeParse | undefined
  readonly #found: Found = { response: { aead: 0, cookies: [] } }

  push(chunk: Uint8Array): KeParse {
    if (this.#final) {
      if (chunk.length > 0 && 'complete' in this.#final) this.#final = { failure: 'NTS-KE response has data after End of Message' }
      return this.#final
    }
    if (this.#length + chunk.length > MAX_RESPONSE_BYTES) return (this.#final = { failure: `NTS-KE response longer than ${MAX_RESPONSE_BYTES} bytes` })
    this.#append(chunk)
    for (;;) {
      const available = this.#length - this.#offset
      if (available < 4) return { incomplete: true }
      const view = new DataView(this.#bytes.buffer, this.#offset, available)
      const length = view.getUint16(2)
      if (available - 4 < length) return { incomplete: true }
      const body = this.#bytes.subarray(this.#offset + 4, this.#offset + 4 + length)
      this.#offset += 4 + length
      const parsed = readRecord(view.getUint16(0), body, this.#found)
      if (parsed === 'end') {
        if (this.#offset !== this.#length) return (this.#final = { failure: 'NTS-KE response has data after End of Message' })
        return (this.#final = finish(this.#found))
      }
      if (parsed) return (this.#final = parsed)
    }
  }

  /** The buffer grows by doubling, up to MAX_RESPONSE_BYTES. */
  #append(chunk: Uint8Array): void {
    if (this.#length + chunk.length > this.#bytes.length) {
      let size = this.#bytes.length
      while (size < this.#length + chunk.length) size *= 2
      const grown = new Uint8Array(Math.min(size, MAX_RESPONSE_BYTES))
      grown.set(this.#bytes.subarray(0, this.#length))
      this.#bytes = grown
    }
    this.#bytes.set(chunk, this.#length)
    this.#length += chunk.length
  }
}

/** A whole response at once (see KeResponseReader). */
export function parseKeResponse(bytes: Uint8Array): KeParse {
  return new KeResponseReader().push(bytes)
}

/** What the records read so far have said. */
interface Found {
  protocols?: number[]
  aeads?: number[]
  response: KeResponse
}

/** One record into `found`: 'end' for End of Message, a failure, or undefined to read on. */
function readRecord(typeField: number, body: Uint8Array, found: Found): 'end' | { failure: string } | undefined {
  const critical = (typeField & CRITICAL) !== 0
  const type = typeField & ~CRITICAL
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  const u16Body = body.length === 2 ? view.getUint16(0) : undefined
  switch (type) {
    case RecordType.EndOfMessage:
      return 'end'
    case RecordType.Error: {
      const meaning = u16Body === undefined ? 'malformed' : (ERROR_CODES[u16Body] ?? 'unknown code')
      return { failure: `NTS-KE server sent error ${u16Body ?? '?'} (${meaning})` }
    }
    case RecordType.Warning:
      // §4.1.4: no warning code is defined, and an unrecognized one must be treated as an error
      return { failure: `NTS-KE server sent warning ${u16Body ?? '?'} (unrecognized: treated as an error)` }
    case RecordType.NextProtocol:
    case RecordType.AeadAlgorithm: {
      if (body.length % 2 !== 0) return { failure: 'NTS-KE response has a malformed negotiation record' }
      const ids = Array.from({ length: body.length / 2 }, (_, i) => view.getUint16(2 * i))
      if (type === RecordType.NextProtocol) found.protocols = ids
      else found.aeads = ids
      return undefined
    }
    case RecordType.NewCookie: {
      const { cookies } = found.response
      if (body.length > 0 && body.length <= MAX_COOKIE_BYTES && cookies.length < MAX_COOKIES) cookies.push(body.slice())
      return undefined
    }
    case RecordType.NtpServer: {
      const host = new TextDecoder().decode(body)
      if (!/^[A-Za-z0-9.:_-]{1,255}$/.test(host)) return { failure: 'NTS-KE response names an NTP server that is no host name or address' }
      found.response.ntpServer = host
      return undefined
    }
    case RecordType.NtpPort:
      if (u16Body === undefined || u16Body === 0) return { failure: 'NTS-KE response has a malformed Port record' }
      found.response.ntpPort = u16Body
      return undefined
    default:
      return critical ? { failure: `NTS-KE response has an unknown critical record (type ${type})` } : undefined
  }
}

function finish({ response, protocols, aeads }: Found): KeParse {
  if (protocols === undefined || protocols.length !== 1 || protocols[0] !== NEXT_PROTOCOL_NTPV4) {
    return { failure: 'NTS-KE server does not offer NTPv4' }
  }
  if (aeads === undefined || aeads.length !== 1 || aeads[0] !== AEAD_AES_SIV_CMAC_256) {
    return { failure: 'no common AEAD algorithm (we offer AES-SIV-CMAC-256, 15)' }
  }
  if (response.cookies.length === 0) return { failure: 'NTS-KE server sent no cookies' }
  return { complete: { ...response, aead: AEAD_AES_SIV_CMAC_256 } }
}

function record(type: number, body: Uint8Array, critical = true): Uint8Array {
  const bytes = new Uint8Array(4 + body.length)
  const view = new DataView(bytes.buffer)
  view.setUint16(0, (critical ? CRITICAL : 0) | type)
  view.setUint16(2, body.length)
  bytes.set(body, 4)
  return bytes
}

function u16(value: number): Uint8Array {
  return new Uint8Array([value >> 8, value & 0xff])
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0))
  let offset = 0
  for (const part of parts) {
    bytes.set(part, offset)
    offset += part.length
  }
  return bytes
}

/** Builds a response, for the tests' servers and the unit tests. */
export function encodeKeRecord(type: number, body: Uint8Array, critical = false): Uint8Array {
  return record(type, body, critical)
}
