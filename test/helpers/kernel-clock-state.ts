/**
 * The kernel's NTP state that a real set now changes (tsntpdate marks the clock synchronised:
 * STA_UNSYNC, maxerror, esterror; with --drift-file it sets the frequency), saved and put back,
 * so other tests, and this shared machine, find it as it was. Also points the mark's record
 * (TSNTPDATE_SYNC_MARK) at a directory of the test's own, so /run is left alone.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { adjtimex, ADJ_ESTERROR, ADJ_FREQUENCY, ADJ_MAXERROR, ADJ_STATUS, type Timex } from '../../src/io/kernel/timex.js'
import { MAX_ERROR_LIMIT_MICROS, MAXERROR_GROWTH_MICROS_PER_SECOND as GROWTH_MICROS_PER_SECOND, STA_UNSYNC } from '../../src/host/kernel-clock.js'

export { STA_UNSYNC }

export interface KernelNtpState {
  status: number
  maxerror: number
  esterror: number
  /** adjtimex freq: ppm × 2¹⁶ */
  freq: number
  /** CLOCK_MONOTONIC when read, seconds: the kernel grows maxerror by 500 µs for each since */
  atMonotonicSeconds?: number
}

export function readKernelNtpState(): KernelNtpState {
  const timex: Timex = { modes: 0 }
  if (adjtimex(timex) < 0) throw new Error('adjtimex cannot be read')
  return { status: timex.status ?? 0, maxerror: timex.maxerror ?? 0, esterror: timex.esterror ?? 0, freq: timex.freq ?? 0, atMonotonicSeconds: Number(process.hrtime.bigint()) / 1e9 }
}

/** Puts the kernel's frequency back as `saved` had it. */
export function restoreKernelFrequency(saved: KernelNtpState): void {
  if (readKernelNtpState().freq === saved.freq) return
  if (adjtimex({ modes: ADJ_FREQUENCY, freq: saved.freq }) < 0) throw new Error('adjtimex refused to restore the kernel frequency')
}

/**
 * Puts the frequency back, and STA_UNSYNC (only that status bit), maxerror and esterror as
 * `saved` had them, with maxerror grown as the kernel would have grown it meanwhile: a mark that
 * was there (tsntpdate's own, from an hourly run of this machine) is then still recognised as
 * that mark.
 */
export function restoreKernelNtpState(saved: KernelNtpState): void {
  restoreKernelFrequency(saved)
  const now = readKernelNtpState()
  const status = (now.status & ~STA_UNSYNC) | (saved.status & STA_UNSYNC)
  const elapsed = saved.atMonotonicSeconds === undefined ? 0 : Math.max(0, Math.floor((now.atMonotonicSeconds ?? 0) - saved.atMonotonicSeconds))
  const maxerror = Math.min(MAX_ERROR_LIMIT_MICROS, saved.maxerror + (saved.maxerror < MAX_ERROR_LIMIT_MICROS ? GROWTH_MICROS_PER_SECOND * elapsed : 0))
  if (status === now.status && now.maxerror === maxerror && now.esterror === saved.esterror) return
  const timex: Timex = { modes: ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR, status, maxerror, esterror: saved.esterror }
  if (adjtimex(timex) < 0) throw new Error('adjtimex refused to restore the kernel NTP state')
}

/** Saves the state now; returns what puts it back (and removes the record's directory). */
export function keepKernelNtpState(): () => void {
  if (process.getuid?.() !== 0) return () => {}
  const saved = readKernelNtpState()
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-sync-mark-'))
  const before = process.env['TSNTPDATE_SYNC_MARK']
  process.env['TSNTPDATE_SYNC_MARK'] = join(dir, 'sync-mark')
  let done = false
  return () => {
    if (done) return
    done = true
    restoreKernelNtpState(saved)
    if (before === undefined) delete process.env['TSNTPDATE_SYNC_MARK']
    else process.env['TSNTPDATE_SYNC_MARK'] = before
    rmSync(dir, { recursive: true, force: true })
  }
}
