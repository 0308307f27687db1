/**
 * Symmetric-key authentication of NTP packets (RFC 5905 §7.3, RFC 8573): the MAC that follows
 * the header is a 4-byte key id and a digest of everything before it. Pure: the digest itself
 * comes from io/crypto/symmetric-digest.ts.
 */
import type { IgnoredReason } from '../ntp/ignored.js'
import type { NtpPacket } from '../ntp/packet.js'
import type { Algorithm } from './key-file.js'
import type { Authentication, RequestAuth } from './authentication.js'

export interface SymmetricAuth {
  keyId: number
  algorithm: Algorithm
  /** the digest of `data` with the key: MD5/SHA* truncated to 20 bytes, CMAC 16 */
  digest(data: Uint8Array): Uint8Array
  /** whether `digest` is the digest of `data`, compared in constant time */
  verify(data: Uint8Array, digest: Uint8Array): boolean
}

export function describeAuth(auth: SymmetricAuth): Authentication {
  return { method: 'symmetric', keyId: auth.keyId, algorithm: auth.algorithm }
}

/** -a: every request signed with the one key, every reply checked against it. */
export function symmetricRequestAuth(auth: SymmetricAuth): RequestAuth {
  const check = (bytes: Uint8Array, packet: NtpPacket) => checkMac(bytes, packet, auth)
  return { description: describeAuth(auth), protect: (plain) => ({ bytes: withMac(plain, auth), check }) }
}

/** `request` followed by its MAC: key id, then the digest of the request. */
export function withMac(request: Uint8Array, auth: SymmetricAuth): Uint8Array {
  const digest = auth.digest(request)
  const signed = new Uint8Array(request.length + 4 + digest.length)
  signed.set(request)
  new DataView(signed.buffer).setUint32(request.length, auth.keyId)
  signed.set(digest, request.length + 4)
  return signed
}

/** Why a reply that is otherwise ours does not authenticate with `auth`, or null when it does. */
export function checkMac(bytes: Uint8Array, packet: NtpPacket, auth: SymmetricAuth): IgnoredReason | null {
  const mac = packet.mac
  if (mac === undefined) return { kind: 'no-mac' }
  const keyId = new DataView(mac.buffer, mac.byteOffset, mac.byteLength).getUint32(0)
  if (mac.length === 4 && keyId === 0) return { kind: 'crypto-nak' }
  if (keyId !== auth.keyId) return { kind: 'wrong-key-id', keyId }
  if (!auth.verify(bytes.subarray(0, bytes.length - mac.length), mac.subarray(4))) return { kind: 'bad-mac' }
  return null
}
