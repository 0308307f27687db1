/** One client/server exchange: build a request, then ask "is this a reply to me?" (RFC 5905 §8). */
import { kissCodeOf } from './kiss.js'
import { encodePacket, LeapIndicator, NtpMode, type NtpPacket } from './packet.js'
import type { Reject } from './reject.js'
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

/**
 * Checks that only concern the packet itself, once its origin has matched an outstanding nonce
 * and its source the queried address (both checked by the caller, who holds that state).
 */
export function checkReply(packet: NtpPacket): Reject | null {
  if (packet.version < 1 || packet.version > 4) return { kind: 'bad-version', version: packet.version }
  if (packet.mode !== NtpMode.Server) return { kind: 'not-server-mode', mode: packet.mode }
  // A kiss-o'-death need carry no timestamps (RFC 5905 §7.4): it is obeyed, never used as a sample.
  if (kissCodeOf(packet)) return null
  if (packet.receiveTime === 0n) return { kind: 'zero-receive-time' }
  if (packet.transmitTime === 0n) return { kind: 'zero-transmit-time' }
  return null
}
