/**
 * The kernel side of host/sync-mark.ts: marks the clock synchronised with adjtimex(2), and keeps
 * the record of that mark where only we (root) can write it (default /run/tsntpdate/sync-mark: gone
 * at the next boot, as the kernel's state is), so the daemon guard can tell it from a daemon's.
 */
import { errorText } from '../../errors.js'
import { closeSync, constants, fchmodSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { lastErrorText } from '../libc/ffi.js'
import { ownDirectory, READABLE } from '../files/state-dir.js'
import { adjtimex, ADJ_ESTERROR, ADJ_MAXERROR, ADJ_STATUS, readTimex, type Timex } from '../kernel/timex.js'
import { readBootId } from '../kernel/boot-id.js'
import { STA_UNSYNC } from '../../host/kernel-clock.js'
import { CLOCK_BOOTTIME, CLOCK_MONOTONIC, clockSeconds } from '../kernel/clock-libc.js'
import { decodeMarkRecord, encodeMarkRecord, type MarkClocks, type MarkRecord, type SyncMark } from '../../host/sync-mark.js'

export const SYNC_MARK_RECORD = '/run/tsntpdate/sync-mark'

const MAX_RECORD_BYTES = 4096

/** Records the mark, then clears STA_UNSYNC (other status bits kept) and sets maxerror and esterror. Why not, or undefined. */
export function markKernelSynchronised(mark: SyncMark, recordPath: string = SYNC_MARK_RECORD): string | undefined {
  const now = readTimex()
  if (now?.status === undefined) return `adjtimex: ${lastErrorText()}`
  // the record first: a record whose mark never happened matches no kernel state, while a mark
  // without its record would make the next run take it for a daemon's
  try {
    writeRecord(recordPath, encodeMarkRecord({ ...markClocks(), maxErrorMicros: mark.maxErrorMicros }))
  } catch (error) {
    return `cannot record the mark in ${recordPath}: ${errorText(error)}`
  }
  const set: Timex = { modes: ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR, status: now.status & ~STA_UNSYNC, maxerror: mark.maxErrorMicros, esterror: mark.estErrorMicros }
  if (adjtimex(set) < 0) return `adjtimex: ${lastErrorText()}`
  return undefined
}

/** The last mark's record; undefined when there is none, or none to trust (not root's or ours alone). */
export function readMarkRecord(recordPath: string = SYNC_MARK_RECORD): MarkRecord | undefined {
  let fd: number
  try {
    fd = openSync(recordPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch {
    return undefined
  }
  try {
    const stat = fstatSync(fd)
    const owner = stat.uid === 0 || stat.uid === process.geteuid?.()
    if (!stat.isFile() || !owner || (stat.mode & 0o022) !== 0 || stat.size > MAX_RECORD_BYTES) return undefined
    const buffer = Buffer.alloc(stat.size)
    const length = readSync(fd, buffer, 0, buffer.length, null)
    return decodeMarkRecord(buffer.subarray(0, length).toString('utf8'))
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}

export function markClocks(): MarkClocks {
  const bootId = readBootId()
  if (bootId === undefined) throw new Error('the boot id (/proc/sys/kernel/random/boot_id) cannot be read')
  return { bootId, monotonicSeconds: clockSeconds(CLOCK_MONOTONIC), boottimeSeconds: clockSeconds(CLOCK_BOOTTIME) }
}

/** In a directory of ours that nobody else can write (made 0755 if missing); replaced by rename(2). */
function writeRecord(path: string, text: string): void {
  const checked = ownDirectory(dirname(path), READABLE)
  if ('unusable' in checked) throw new Error(checked.unusable)
  const dir = checked.path
  const temp = join(dir, `.sync-mark.${process.pid}.tmp`)
  rmSync(temp, { force: true })
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644)
  try {
    fchmodSync(fd, 0o644) // whatever the umask (the units' is 0077): a run without root reads it too
    writeSync(fd, text)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, join(dir, basename(path)))
}
