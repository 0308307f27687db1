/** CLOCK_REALTIME through libc (koffi FFI): nanosecond reads, in-kernel steps, adjtime slews. */
import { koffi, lastErrorText, libc, strerror } from '../libc/ffi.js'
import { TIMEX, type Timex } from './timex.js'
import { ClockNotSetError } from '../../errors.js'
import type { ClockReader, ClockSetter } from '../../ports.js'

export const CLOCK_REALTIME = 0
export const CLOCK_MONOTONIC = 1
export const CLOCK_BOOTTIME = 7
const NANOS_PER_SECOND = 1_000_000_000n
const MICROS_PER_SECOND = 1_000_000n

// struct timespec and struct timeval are two native longs on 64-bit Linux; we pass raw buffers
// because marshalling a JS object costs ~450 ns a call against ~70 ns for a buffer.
const clockGettime = libc.func('int clock_gettime(int, _Out_ uint8_t *ts)')
const clockSettime = libc.func('int clock_settime(int, const uint8_t *ts)')
const adjtime = libc.func('int adjtime(const uint8_t *delta, uint8_t *olddelta)')
const clockAdjtime = libc.func(`int clock_adjtime(int, _Inout_ ${TIMEX} *tx)`)

const ADJ_SETOFFSET = 0x0100
const ADJ_MICRO = 0x1000
const ADJ_NANO = 0x2000
const STA_NANO = 0x2000
const EPERM = 1

const readBuffer = Buffer.alloc(16)

export const libcClock: ClockReader & ClockSetter = {
  nowNanos(): bigint {
    clockGettime(CLOCK_REALTIME, readBuffer)
    return readBuffer.readBigInt64LE(0) * NANOS_PER_SECOND + readBuffer.readBigInt64LE(8)
  },

  /**
   * ADJ_SETOFFSET adds the offset to the clock inside the kernel (chrony's sys_timex.c does the
   * same), so no time passes between reading the clock and setting it. Where the kernel refuses it
   * for another reason than permission (before Linux 2.6.39, some containers), clock_settime of
   * now + offset is the fallback. ADJ_NANO also sets the kernel's STA_NANO, which changes the
   * unit of every later adjtimex offset; a kernel that was in microseconds is put back.
   */
  step(offsetSeconds: number): void {
    const offsetNanos = BigInt(Math.round(offsetSeconds * 1e9))
    const seconds = floorDiv(offsetNanos, NANOS_PER_SECOND)
    const before: Timex = { modes: 0 }
    const wasMicro = clockAdjtime(CLOCK_REALTIME, before) >= 0 && ((before.status ?? 0) & STA_NANO) === 0
    const timex: Timex = {
      modes: ADJ_SETOFFSET | ADJ_NANO,
      timeSeconds: Number(seconds),
      timeMicros: Number(offsetNanos - seconds * NANOS_PER_SECOND),
    }
    const stepped = clockAdjtime(CLOCK_REALTIME, timex) >= 0
    const errno = koffi.errno()
    if (wasMicro) clockAdjtime(CLOCK_REALTIME, { modes: ADJ_MICRO })
    if (stepped) return
    if (errno === EPERM) throw new ClockNotSetError(`Can't set time of day: ${String(strerror(errno))}`)
    settimeByOffset(offsetNanos, () => this.nowNanos())
  },

  slew(offsetSeconds: number): void {
    const timeval = Buffer.alloc(16)
    writeTwoLongs(timeval, BigInt(Math.round(offsetSeconds * 1e6)), MICROS_PER_SECOND)
    if (adjtime(timeval, null) !== 0) throw new ClockNotSetError(`Can't adjust the time of day: ${lastErrorText()}`)
  },
}

/**
 * clock_settime of now + offset. Whatever runs between reading the clock and setting it is lost
 * from the step, and in a one-shot process it runs cold (measured: 50-200 us lost). A rehearsal
 * against CLOCK_MONOTONIC, which the kernel never lets anyone set (EINVAL), warms the same path
 * first (measured: 6 us lost).
 */
function settimeByOffset(offsetNanos: bigint, nowNanos: () => bigint): void {
  const timespec = Buffer.alloc(16)
  const setTo = (clockId: number) => {
    writeTwoLongs(timespec, nowNanos() + offsetNanos, NANOS_PER_SECOND)
    return clockSettime(clockId, timespec)
  }
  setTo(CLOCK_MONOTONIC)
  if (setTo(CLOCK_REALTIME) !== 0) throw new ClockNotSetError(`Can't set time of day: ${lastErrorText()}`)
}

function floorDiv(total: bigint, unit: bigint): bigint {
  const quotient = total / unit
  return total % unit < 0n ? quotient - 1n : quotient
}

/** A normalized {seconds, sub-seconds} pair (sub-seconds in [0, unit)), as timespec/timeval want. */
function writeTwoLongs(buffer: Buffer, total: bigint, unit: bigint): void {
  let seconds = total / unit
  let rest = total % unit
  if (rest < 0n) {
    seconds -= 1n
    rest += unit
  }
  buffer.writeBigInt64LE(seconds, 0)
  buffer.writeBigInt64LE(rest, 8)
}

/** clock_gettime(2) of any clock, in seconds (a double: ~0.2 µs grain for CLOCK_REALTIME). */
export function clockSeconds(clock: number): number {
  const buffer = Buffer.alloc(16)
  if (clockGettime(clock, buffer) < 0) throw new Error(`clock_gettime(${clock}): ${lastErrorText()}`)
  return Number(buffer.readBigInt64LE(0)) + Number(buffer.readBigInt64LE(8)) / 1e9
}
