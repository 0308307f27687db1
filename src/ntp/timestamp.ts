/**
 * NTP timestamps (RFC 5905 §6): 64-bit unsigned Q32.32 seconds since 1900-01-01, kept as bigint.
 * The 32-bit seconds field wraps every 136 years (era 0 ends 2036-02-07); differences taken with
 * `diffSeconds` are correct across that rollover as long as the true difference is under 68 years.
 */
export type NtpTimestamp = bigint

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
export const NTP_TO_UNIX_SECONDS = 2_208_988_800n

const FRACTION_UNIT = 1n << 32n
const NANOS_PER_SECOND = 1_000_000_000n
const TWO_TO_32 = 4_294_967_296

/** Unix time in nanoseconds (CLOCK_REALTIME) to an NTP timestamp, rounding to the nearest 2^-32 s. */
export function ntpFromUnixNanos(unixNanos: bigint): NtpTimestamp {
  const ntpNanos = unixNanos + NTP_TO_UNIX_SECONDS * NANOS_PER_SECOND
  const seconds = ntpNanos / NANOS_PER_SECOND
  const nanos = ntpNanos % NANOS_PER_SECOND
  const fraction = (nanos * FRACTION_UNIT + NANOS_PER_SECOND / 2n) / NANOS_PER_SECOND
  return BigInt.asUintN(64, seconds * FRACTION_UNIT + fraction)
}

/**
 * An NTP timestamp to Unix nanoseconds, choosing the era that puts it closest to `pivotUnixNanos`
 * (RFC 5905 §6: the era is not on the wire, so it must come from a nearby known time).
 */
export function unixNanosFromNtp(timestamp: NtpTimestamp, pivotUnixNanos: bigint): bigint {
  const pivot = ntpFromUnixNanos(pivotUnixNanos)
  return pivotUnixNanos + nanosFromUnits(diffUnits(timestamp, pivot))
}

/** Era-safe signed difference a − b in units of 2^-32 s (two's-complement wrap, RFC 5905 §6). */
export function diffUnits(a: NtpTimestamp, b: NtpTimestamp): bigint {
  return BigInt.asIntN(64, a - b)
}

/** Era-safe signed difference a − b in seconds. */
export function diffSeconds(a: NtpTimestamp, b: NtpTimestamp): number {
  return secondsFromUnits(diffUnits(a, b))
}

/** A signed count of 2^-32 s units to seconds. */
export function secondsFromUnits(units: bigint): number {
  return Number(units) / TWO_TO_32
}

function nanosFromUnits(units: bigint): bigint {
  const scaled = units * NANOS_PER_SECOND
  const half = FRACTION_UNIT / 2n
  return scaled >= 0n ? (scaled + half) / FRACTION_UNIT : (scaled - half) / FRACTION_UNIT
}

/** NTP short format (RFC 5905 §6): unsigned Q16.16 seconds, used for root delay and dispersion. */
export function secondsFromShort(raw: number): number {
  return raw / 65_536
}

export function shortFromSeconds(seconds: number): number {
  return Math.min(0xffff_ffff, Math.max(0, Math.round(seconds * 65_536)))
}
