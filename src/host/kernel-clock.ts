/**
 * What Linux's NTP state means (kernel/time/ntp.c, adjtimex(2)), written once for the rules that
 * read it (time-daemon.ts, sync-mark.ts) and the code that sets it (io/host/mark-synchronised.ts). Pure.
 */

/** The part of the kernel's `struct timex` that tells whether someone disciplines the clock. */
export interface KernelClock {
  /** timex.status: STA_* bits */
  status: number
  /** timex.maxerror, microseconds */
  maxErrorMicros: number
}

/** timex.status: the clock is not synchronised (set by the kernel, cleared only by who disciplines it) */
export const STA_UNSYNC = 0x0040

/** second_overflow(): maxerror += MAXFREQ / NSEC_PER_USEC (500 ppm) each second */
export const MAXERROR_GROWTH_MICROS_PER_SECOND = 500

/** NTP_PHASE_LIMIT: the maxerror at which the kernel gives up and sets STA_UNSYNC (16 s) */
export const MAX_ERROR_LIMIT_MICROS = 16_000_000

/** timex.status bits by name, for the -d trace */
export const STATUS_BITS: readonly [number, string][] = [
  [0x0001, 'PLL'],
  [0x0002, 'PPSFREQ'],
  [0x0004, 'PPSTIME'],
  [0x0008, 'FLL'],
  [0x0010, 'INS'],
  [0x0020, 'DEL'],
  [STA_UNSYNC, 'UNSYNC'],
  [0x0080, 'FREQHOLD'],
  [0x2000, 'NANO'],
]
