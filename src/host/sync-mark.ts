/**
 * After a set, the kernel is told the clock is synchronised (STA_UNSYNC cleared) and how far off
 * it may be (maxerror, esterror), as chrony and timesyncd do: node_exporter's
 * node_timex_sync_status, timedatectl and systemd-time-wait-sync then see a kept clock. The
 * kernel grows maxerror by 500 µs every second by itself and sets STA_UNSYNC again at 16 s.
 *
 * That is the very state the daemon guard (time-daemon.ts, rule 2) reads as "someone keeps the
 * clock". So the mark is recorded (MarkRecord), and a later run excuses the kernel's word when
 * it is still only our mark: the same boot, and maxerror where the kernel's own growth since the
 * mark puts it. Any daemon's update sets maxerror anew and so is still found. Pure.
 */
import type { KernelClock } from './time-daemon.js'
import { MAX_ERROR_LIMIT_MICROS, MAXERROR_GROWTH_MICROS_PER_SECOND } from './kernel-clock.js'

export interface SyncMark {
  maxErrorMicros: number
  estErrorMicros: number
}

/** When and with what the kernel was marked, in clocks that a set does not move. */
export interface MarkRecord {
  bootId: string
  /** CLOCK_MONOTONIC at the mark (maxerror grows with it, not while suspended), seconds */
  monotonicSeconds: number
  /** CLOCK_BOOTTIME at the mark (suspend included), seconds */
  boottimeSeconds: number
  maxErrorMicros: number
}

/** The moment a later run looks, in the same clocks. */
export interface MarkClocks {
  bootId: string
  monotonicSeconds: number
  boottimeSeconds: number
}

/** the kernel adds its 500 µs at whole seconds, and a read lands anywhere between */
const TOLERANCE_MICROS = 2_000
const CLOCK_READ_SKEW_SECONDS = 0.001

/**
 * The chosen server's root distance (RFC 5905 §11.2.2, λ) bounds the error right after a step;
 * a slew still has its offset to go, so that is added. Both as the kernel takes them: whole µs.
 */
export function markAfterSet(rootDistanceSeconds: number, method: 'step' | 'slew', offsetSeconds: number): SyncMark {
  const bound = rootDistanceSeconds + (method === 'slew' ? Math.abs(offsetSeconds) : 0)
  // up to the next whole µs, from whole ns (so that 0.205 s is 205000 µs, not 205001)
  const micros = Math.min(MAX_ERROR_LIMIT_MICROS - 1, Math.max(1, Math.ceil(Math.round(bound * 1e9) / 1e3)))
  return { maxErrorMicros: micros, estErrorMicros: micros }
}

/** Whether the kernel's synchronised state is still only the mark `record` left. */
export function isOwnMark(kernel: KernelClock, record: MarkRecord, now: MarkClocks): boolean {
  if (record.bootId !== now.bootId) return false
  const since = now.monotonicSeconds - record.monotonicSeconds
  const sinceWithSleep = now.boottimeSeconds - record.boottimeSeconds
  // the two clocks are read one after the other: a few µs apart, either way
  if (since < 0 || sinceWithSleep < since - CLOCK_READ_SKEW_SECONDS) return false
  const low = record.maxErrorMicros + MAXERROR_GROWTH_MICROS_PER_SECOND * Math.floor(since) - TOLERANCE_MICROS
  // the kernel grows maxerror in second_overflow(), which a suspend skips: monotonic time bounds both ends
  const high = record.maxErrorMicros + MAXERROR_GROWTH_MICROS_PER_SECOND * Math.ceil(since) + TOLERANCE_MICROS
  return kernel.maxErrorMicros >= low && kernel.maxErrorMicros <= high
}

export function encodeMarkRecord(record: MarkRecord): string {
  return JSON.stringify({ format: 'tsntpdate-sync-mark-1', ...record }) + '\n'
}

export function decodeMarkRecord(text: string): MarkRecord | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { format, bootId, monotonicSeconds, boottimeSeconds, maxErrorMicros } = value as Record<string, unknown>
  if (format !== 'tsntpdate-sync-mark-1' || typeof bootId !== 'string' || bootId === '') return undefined
  if (![monotonicSeconds, boottimeSeconds, maxErrorMicros].every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) return undefined
  return { bootId, monotonicSeconds: monotonicSeconds as number, boottimeSeconds: boottimeSeconds as number, maxErrorMicros: maxErrorMicros as number }
}
