/**
 * The NTS extension fields of an NTP request and reply (RFC 8915 §5.3-§5.7): Unique Identifier,
 * Cookie, Cookie Placeholder, and the Authenticator and Encrypted Extension Fields, which
 * authenticates every byte before it. Pure: the cipher comes in as an Aead.
 */
import { concat } from './ke-records.js'
import type { Aead } from './aead.js'
import { HEADER_LENGTH, type NtpPacket } from '../../ntp/packet.js'
import type { IgnoredReason } from '../../ntp/ignored.js'

export const FieldType = { UniqueIdentifier: 0x0104, Cookie: 0x0204, CookiePlaceholder: 0x0304, Authenticator: 0x0404 } as const

export const UNIQUE_ID_BYTES = 32
export const NONCE_BYTES = 16
/** All cookies and placeholders of a request together stay below this, so it does not fragment (chrony's MAX_TOTAL_COOKIE_LENGTH). */
export const MAX_TOTAL_COOKIE_BYTES = 8 * 108

export interface NtsRequestParts {
  uniqueId: Uint8Array
  nonce: Uint8Array
  cookie: Uint8Array
  /** how many cookies to ask back in all: the one spent plus placeholders (§5.4) */
  cookiesWanted: number
}

/** How many cookies a request asks for (§5.4, chrony's cap): back up to `max`, within MAX_TOTAL_COOKIE_BYTES. */
export function cookiesToRequest(cookiesLeft: number, cookieLength: number, max: number): number {
  return Math.max(1, Math.min(max - cookiesLeft, Math.floor(MAX_TOTAL_COOKIE_BYTES / (cookieLength + 4))))
}

/** `header` (the 48 bytes of a client request) with the NTS fields after it, authenticated with the client-to-server key. */
export function protectRequest(header: Uint8Array, parts: NtsRequestParts, c2s: Aead): Uint8Array {
  const fields = [
    field(FieldType.UniqueIdentifier, parts.uniqueId),
    field(FieldType.Cookie, parts.cookie),
    ...Array.from({ length: parts.cookiesWanted - 1 }, () => field(FieldType.CookiePlaceholder, new Uint8Array(parts.cookie.length))),
  ]
  const associatedData = concat([header, ...fields])
  const ciphertext = c2s.seal(associatedData, parts.nonce, new Uint8Array(0))
  return concat([associatedData, field(FieldType.Authenticator, authenticatorBody(parts.nonce, ciphertext))])
}

export type NtsReplyCheck = { cookies: Uint8Array[]; nak: boolean } | IgnoredReason

/**
 * The reply's Unique Identifier must be ours; then either it authenticates with the
 * server-to-client key, and the new cookies are those in its encrypted fields (cookies outside
 * them are not ours to trust), or it is an unauthenticated NTS NAK (kiss NTSN, §5.7), which only
 * ever leads to a new key exchange.
 */
export function checkNtsReply(bytes: Uint8Array, packet: NtpPacket, uniqueId: Uint8Array, s2c: Aead): NtsReplyCheck {
  let offset = HEADER_LENGTH
  let ours = false
  let authenticator: { at: number; value: Uint8Array } | undefined
  for (const extension of packet.extensions) {
    if (authenticator) return { kind: 'nts-unauthenticated', detail: 'extension fields after the authenticator' }
    if (extension.type === FieldType.UniqueIdentifier) ours ||= sameBytes(extension.value, uniqueId)
    if (extension.type === FieldType.Authenticator) authenticator = { at: offset, value: extension.value }
    offset += 4 + extension.value.length
  }
  if (!ours) return { kind: 'nts-unauthenticated', detail: 'no Unique Identifier of ours' }
  if (!authenticator) {
    if (packet.stratum === 0 && packet.referenceId === NTSN) return { cookies: [], nak: true }
    return { kind: 'nts-unauthenticated', detail: 'no NTS authenticator' }
  }
  if (packet.mac !== undefined) return { kind: 'nts-unauthenticated', detail: 'data after the authenticator' }
  const parsed = parseAuthenticator(authenticator.value)
  if (!parsed) return { kind: 'nts-unauthenticated', detail: 'malformed NTS authenticator' }
  const plaintext = s2c.open(bytes.subarray(0, authenticator.at), parsed.nonce, parsed.ciphertext)
  if (!plaintext) return { kind: 'nts-unauthenticated', detail: 'does not authenticate with our key' }
  const cookies = parseFields(plaintext)
  if (!cookies) return { kind: 'nts-unauthenticated', detail: 'malformed encrypted extension fields' }
  return { cookies, nak: false }
}

const NTSN = 0x4e54534e

function field(type: number, value: Uint8Array): Uint8Array {
  const padded = (value.length + 3) & ~3
  const bytes = new Uint8Array(4 + padded)
  const view = new DataView(bytes.buffer)
  view.setUint16(0, type)
  view.setUint16(2, 4 + padded)
  bytes.set(value, 4)
  return bytes
}

/** §5.6: nonce length, ciphertext length, the nonce and the ciphertext, each padded to 4 bytes. */
function authenticatorBody(nonce: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const nonceSpace = (nonce.length + 3) & ~3
  const body = new Uint8Array(4 + nonceSpace + ((ciphertext.length + 3) & ~3))
  const view = new DataView(body.buffer)
  view.setUint16(0, nonce.length)
  view.setUint16(2, ciphertext.length)
  body.set(nonce, 4)
  body.set(ciphertext, 4 + nonceSpace)
  return body
}

function parseAuthenticator(body: Uint8Array): { nonce: Uint8Array; ciphertext: Uint8Array } | undefined {
  if (body.length < 4) return undefined
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  const nonceLength = view.getUint16(0)
  const ciphertextLength = view.getUint16(2)
  const nonceSpace = (nonceLength + 3) & ~3
  if (nonceLength < NONCE_BYTES || 4 + nonceSpace + ciphertextLength > body.length) return undefined
  return { nonce: body.subarray(4, 4 + nonceLength), ciphertext: body.subarray(4 + nonceSpace, 4 + nonceSpace + ciphertextLength) }
}

/** The cookies among the encrypted fields, or undefined when they are not well-formed fields. */
function parseFields(plaintext: Uint8Array): Uint8Array[] | undefined {
  const view = new DataView(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength)
  const cookies: Uint8Array[] = []
  for (let offset = 0; offset < plaintext.length;) {
    if (plaintext.length - offset < 4) return undefined
    const type = view.getUint16(offset)
    const length = view.getUint16(offset + 2)
    if (length < 4 || length % 4 !== 0 || offset + length > plaintext.length) return undefined
    if (type === FieldType.Cookie) cookies.push(plaintext.slice(offset + 4, offset + length))
    offset += length
  }
  return cookies
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
