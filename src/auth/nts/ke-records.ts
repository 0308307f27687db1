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
  return concat([
    record(RecordType.NextProtocol, u16(NEXT_PROTOCOL_NTPV4)),
    record(RecordType.AeadAlgorithm, u16(AEAD_AES_SIV_CMAC_256)),
    record(RecordType.EndOfMessage, new Uint8Array(0)),
  ])
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
 * The response so far. Incomplete until End of Message; a failure for an Error record, an
 * unknown critical record, a malformed record, and a response without NTPv4, without our AEAD
 * or without cookies (§4.1.2-§4.1.7).
 */
export function parseKeResponse(bytes: Uint8Array): KeParse {
  if (bytes.length > MAX_RESPONSE_BYTES) return { failure: `NTS-KE response longer than ${MAX_RESPONSE_BYTES} bytes` }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let protocols: number[] | undefined
  let aeads: number[] | undefined
  const response: KeResponse = { aead: 0, cookies: [] }
  for (let offset = 0; ; ) {
    if (bytes.length - offset < 4) return { incomplete: true }
    const critical = (view.getUint16(offset) & CRITICAL) !== 0
    const type = view.getUint16(offset) & ~CRITICAL
    const length = view.getUint16(offset + 2)
    if (bytes.length - offset - 4 < length) return { incomplete: true }
    const body = bytes.subarray(offset + 4, offset + 4 + length)
    offset += 4 + length
    switch (type) {
      case RecordType.EndOfMessage:
        if (offset !== bytes.length) return { failure: 'NTS-KE response has data after End of Message' }
        return finish(response, protocols, aeads)
      case RecordType.Error: {
        const code = length === 2 ? view.getUint16(offset - 2) : undefined
        const meaning = code === undefined ? 'malformed' : (ERROR_CODES[code] ?? 'unknown code')
        return { failure: `NTS-KE server sent error ${code ?? '?'} (${meaning})` }
      }
      case RecordType.Warning:
        // §4.1.4: no warning code is defined, and an unrecognized one must be treated as an error
        return { failure: `NTS-KE server sent warning ${length === 2 ? view.getUint16(offset - 2) : '?'} (unrecognized: treated as an error)` }
      case RecordType.NextProtocol:
      case RecordType.AeadAlgorithm: {
        if (length % 2 !== 0) return { failure: 'NTS-KE response has a malformed negotiation record' }
        const ids = Array.from({ length: length / 2 }, (_, i) => view.getUint16(offset - length + 2 * i))
        if (type === RecordType.NextProtocol) protocols = ids
        else aeads = ids
        break
      }
      case RecordType.NewCookie:
        if (length > 0 && length <= MAX_COOKIE_BYTES && response.cookies.length < MAX_COOKIES) response.cookies.push(body.slice())
        break
      case RecordType.NtpServer: {
        const host = new TextDecoder().decode(body)
        if (!/^[A-Za-z0-9.:_-]{1,255}$/.test(host)) return { failure: 'NTS-KE response names an NTP server that is no host name or address' }
        response.ntpServer = host
        break
      }
      case RecordType.NtpPort:
        if (length !== 2 || view.getUint16(offset - 2) === 0) return { failure: 'NTS-KE response has a malformed Port record' }
        response.ntpPort = view.getUint16(offset - 2)
        break
      default:
        if (critical) return { failure: `NTS-KE response has an unknown critical record (type ${type})` }
    }
  }
}

function finish(response: KeResponse, protocols: number[] | undefined, aeads: number[] | undefined): KeParse {
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
