/** struct timex as <sys/timex.h> lays it out, for adjtimex(2) and clock_adjtime(2); koffi applies the platform's alignment. */
import { koffi, libc } from '../libc/ffi.js'

export const TIMEX = 'tsntpdate_timex'

koffi.struct(TIMEX, {
  modes: 'uint',
  offset: 'long',
  freq: 'long',
  maxerror: 'long',
  esterror: 'long',
  status: 'int',
  constant: 'long',
  precision: 'long',
  tolerance: 'long',
  timeSeconds: 'long',
  /** microseconds, or nanoseconds with ADJ_NANO */
  timeMicros: 'long',
  tick: 'long',
  ppsfreq: 'long',
  jitter: 'long',
  shift: 'int',
  stabil: 'long',
  jitcnt: 'long',
  calcnt: 'long',
  errcnt: 'long',
  stbcnt: 'long',
  tai: 'int',
  reserved: koffi.array('int', 11),
})

export interface Timex {
  modes: number
  offset?: number
  freq?: number
  maxerror?: number
  esterror?: number
  status?: number
  timeSeconds?: number
  timeMicros?: number
}

/** adjtimex modes bits: set `freq`, `maxerror`, `esterror`, `status` */
export const ADJ_FREQUENCY = 0x0002
export const ADJ_MAXERROR = 0x0004
export const ADJ_ESTERROR = 0x0008
export const ADJ_STATUS = 0x0010
/** adjtimex freq is ppm with a 16-bit binary fraction */
export const FREQ_UNITS_PER_PPM = 65_536

/** adjtimex(2): modes 0 only reads (no privilege needed); the fields named in modes are set. */
export const adjtimex: (timex: Timex) => number = libc.func(`int adjtimex(_Inout_ ${TIMEX} *buf)`)

/** The kernel's NTP state, read (modes 0 needs no privilege); undefined when adjtimex refuses. */
export function readTimex(): Timex | undefined {
  const timex: Timex = { modes: 0 }
  return adjtimex(timex) < 0 ? undefined : timex
}
