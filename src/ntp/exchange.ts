/** A client request (RFC 5905 §7.3, §8); its reply is classified by classify.ts. */
import { encodePacket, LeapIndicator, NtpMode, type NtpPacket } from './packet.js'
import type { NtpTimestamp } from './timestamp.js'

export const DEFAULT_VERSION = 4
const REQUEST_POLL = 3
/** 2^-20 s ≈ 1 µs: the grain of our CLOCK_REALTIME reads. */
const REQUEST_PRECISION = -20

export interface Request {
  bytes: Uint8Array
  /** The transmit timestamp on the wire: 64 random bits, echoed back as the reply's origin. */
  nonce: NtpTimestamp
}

/**
 * A client-mode request whose transmit timestamp is a random nonce: our real send time (T1) never
 * goes on the wire (it would leak our clock, and a guessable origin lets off-path attackers forge
 * replies). `random8` must be 8 bytes from a cryptographic source.
 */
export function newRequest(random8: Uint8Array, version: number = DEFAULT_VERSION): Request {
  if (random8.length !== 8) throw new RangeError('a nonce needs exactly 8 random bytes')
  const view = new DataView(random8.buffer, random8.byteOffset, 8)
  const nonce = view.getBigUint64(0) || 1n // zero would read as "no timestamp"
  const packet: NtpPacket = {
    leap: LeapIndicator.Unsynchronized,
    version,
    mode: NtpMode.Client,
    stratum: 0,
    poll: REQUEST_POLL,
    precision: REQUEST_PRECISION,
    rootDelay: 0,
    rootDispersion: 0,
    referenceId: 0,
    referenceTime: 0n,
    originTime: 0n,
    receiveTime: 0n,
    transmitTime: nonce,
    extensions: [],
    mac: undefined,
  }
  return { bytes: encodePacket(packet), nonce }
}
