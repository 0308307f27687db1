/**
 * How far a run moves the kernel's frequency from a drift estimate (issue: learn the drift). Pure.
 *
 * adjtimex's frequency offset makes the clock run faster when positive, and the estimate's
 * driftPpm > 0 says the clock falls behind: the frequency goes up by a part of it. Damped: a
 * run moves the frequency by GAIN of its estimate, so the error left shrinks geometrically and one
 * run's noise is halved; and by MAX_CHANGE_PPM at most, so one bad run cannot swing it far. The
 * total stays within the kernel's own ±500 ppm.
 */

/** the kernel's limit on the frequency offset (MAXFREQ, <linux/timex.h>) */
export const MAX_KERNEL_PPM = 500
/** what one run may change: the 10–50 ppm of ordinary hardware is learned in one or two runs */
export const MAX_CHANGE_PPM = 50
/** the part of an estimate applied */
export const GAIN = 0.75

export interface FrequencyChange {
  /** what this run adds to the kernel's frequency, ppm */
  appliedPpm: number
  /** the kernel's frequency after it, ppm */
  kernelPpm: number
}

export function frequencyChange(driftPpm: number, kernelPpm: number, gain = GAIN): FrequencyChange {
  const wanted = Math.max(-MAX_CHANGE_PPM, Math.min(MAX_CHANGE_PPM, gain * driftPpm))
  const next = Math.max(-MAX_KERNEL_PPM, Math.min(MAX_KERNEL_PPM, kernelPpm + wanted))
  return { appliedPpm: next - kernelPpm, kernelPpm: next }
}
