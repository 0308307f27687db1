/** One measurement from one exchange: offset, delay and error bounds (RFC 5905 §8, §10). */
import type { NtpPacket } from './packet.js'
import { diffSeconds, diffUnits, ntpFromUnixNanos, secondsFromUnits } from './timestamp.js'

/** Our own clock's precision as log2 seconds: CLOCK_REALTIME read through FFI, ~1 µs. */
export const LOCAL_PRECISION = -20
/** PHI of RFC 5905 §7.2: the frequency tolerance assumed of any clock, 15 ppm. */
export const PHI = 15e-6
/**
 * MINDISP of RFC 5905 §7.2 (Appendix A.5.5.2): the least round trip a root distance assumes, 10 ms.
 * Without it, servers on one switch that claim a near-zero root delay and dispersion get intervals
 * of a few µs, and three that agree within a millisecond fail to overlap.
 */
export const MINDISP = 0.01

export interface Sample {
  /** seconds; > 0 means the local clock is behind the server (add it to local time) */
  offset: number
  /** seconds, the measured round trip less the server's processing time */
  delay: number
  /** seconds: ε at the time of the sample, both clocks' precision plus PHI × (T4 − T1) (RFC 5905 §8) */
  dispersion: number
  /**
   * seconds: this sample's bound on the offset error when it was taken, RFC 5905 A.5.5.2's
   * root_dist() without age and jitter: max(MINDISP, root delay + δ)/2 + root dispersion + ε
   */
  rootDistance: number
  /** T1 and T4 as read from CLOCK_REALTIME, Unix nanoseconds */
  sentAtNanos: bigint
  receivedAtNanos: bigint
  stratum: number
  packet: NtpPacket
}

/**
 * The on-wire maths of RFC 5905 §8, with T1 = org, T2 = rec, T3 = xmt, T4 = dst:
 *   offset θ = ((T2 − T1) + (T3 − T4)) / 2
 *   delay  δ = (T4 − T1) − (T3 − T2)
 * T1 and T4 are our CLOCK_REALTIME reads in nanoseconds; every difference is era-safe.
 */
export function toSample(packet: NtpPacket, orgNanos: bigint, dstNanos: bigint): Sample {
  const org = ntpFromUnixNanos(orgNanos)
  const dst = ntpFromUnixNanos(dstNanos)
  const offset = secondsFromUnits(diffUnits(packet.receiveTime, org) + diffUnits(packet.transmitTime, dst)) / 2
  const roundTrip = Number(dstNanos - orgNanos) / 1e9
  const serverTime = diffSeconds(packet.transmitTime, packet.receiveTime)
  // A negative delay only comes from clock grain on very short paths; like RFC 5905 §8 we clamp it.
  const delay = Math.max(0, roundTrip - serverTime)
  const dispersion = 2 ** packet.precision + 2 ** LOCAL_PRECISION + PHI * roundTrip
  return {
    offset,
    delay,
    dispersion,
    rootDistance: Math.max(MINDISP, packet.rootDelay + delay) / 2 + packet.rootDispersion + dispersion,
    sentAtNanos: orgNanos,
    receivedAtNanos: dstNanos,
    stratum: packet.stratum,
    packet,
  }
}

/**
 * root_dist() as it stands `nowNanos` (RFC 5905 A.5.5.2): dispersion grows by PHI per second of the
 * sample's age (§8), and the server's jitter (§10) is added.
 */
export function rootDistanceAt(sample: Sample, nowNanos: bigint, jitter = 0): number {
  const ageSeconds = Math.max(0, Number(nowNanos - sample.receivedAtNanos) / 1e9)
  return sample.rootDistance + PHI * ageSeconds + jitter
}

/**
 * The jitter of RFC 5905 §10: the RMS of the samples' offsets' differences from the offset that was
 * chosen, over n − 1 (zero for one sample).
 */
export function jitterOf(samples: readonly Sample[], chosenOffset: number): number {
  if (samples.length < 2) return 0
  const squares = samples.reduce((sum, s) => sum + (s.offset - chosenOffset) ** 2, 0)
  return Math.sqrt(squares / (samples.length - 1))
}
