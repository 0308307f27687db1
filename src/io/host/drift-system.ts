/** What --drift-file needs of the system: the file (io/files/private-file.ts), clocks a set does not move, the kernel's frequency. */
import { basename, dirname, join } from 'node:path'
import { lastErrorText } from '../libc/ffi.js'
import { adjtimex, ADJ_FREQUENCY, FREQ_UNITS_PER_PPM, readTimex, type Timex } from '../kernel/timex.js'
import { readBootId } from '../kernel/boot-id.js'
import { readPrivateFile, writePrivateFile } from '../files/private-file.js'
import type { DriftSources, PrivateFileRead } from '../../ports.js'
import { existingOwnDirectory, ownDirectory, PRIVATE } from '../files/state-dir.js'
import { CLOCK_BOOTTIME, CLOCK_REALTIME, clockSeconds } from '../kernel/clock-libc.js'

const MAX_DRIFT_FILE_BYTES = 65_536

export const driftSystem: DriftSources = {
  /** in a directory of ours closed to others, as the NTS cookie cache's (else others could swap the file) */
  read(path: string): PrivateFileRead {
    const dir = existingOwnDirectory(dirname(path), PRIVATE)
    if ('unusable' in dir) return { refused: `${path}: its directory ${dir.unusable}` }
    return 'absent' in dir ? dir : readPrivateFile(join(dir.path, basename(path)), MAX_DRIFT_FILE_BYTES)
  },
  /** the directory made 0700 if missing (/var/lib/tsntpdate, where no unit made it) */
  write(path: string, text: string) {
    const dir = ownDirectory(dirname(path), PRIVATE)
    if ('unusable' in dir) throw new Error(`its directory ${dir.unusable}`)
    // in the directory checked, not through whatever `..` after a link in `path` would reach
    writePrivateFile(join(dir.path, basename(path)), text)
  },
  /** the kernel's id of this boot; undefined where /proc does not say */
  bootId: readBootId,
  /** CLOCK_BOOTTIME, and CLOCK_REALTIME − CLOCK_BOOTTIME (read back to back), seconds */
  clocks() {
    const boottimeSeconds = clockSeconds(CLOCK_BOOTTIME)
    return { boottimeSeconds, realMinusBootSeconds: clockSeconds(CLOCK_REALTIME) - boottimeSeconds }
  },
  /** the kernel's frequency offset, ppm; undefined when adjtimex cannot be read */
  kernelPpm(): number | undefined {
    const freq = readTimex()?.freq
    return freq === undefined ? undefined : freq / FREQ_UNITS_PER_PPM
  },
  /** sets the kernel's frequency offset (CAP_SYS_TIME); the kernel keeps it until changed; returns what it now is */
  setKernelPpm(ppm: number): number {
    const timex: Timex = { modes: ADJ_FREQUENCY, freq: Math.round(ppm * FREQ_UNITS_PER_PPM) }
    if (adjtimex(timex) < 0) throw new Error(`adjtimex: ${lastErrorText()}`)
    return (timex.freq ?? 0) / FREQ_UNITS_PER_PPM
  },
}
