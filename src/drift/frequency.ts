/**
 * How far a run moves the kernel's frequency from a drift estimate (issue: learn the drift). Pure.
 *
 * adjtimex's frequency offset makes the clock run faster when positive, and the estimate's
 * driftPpm > 0 says the clock falls behind: the frequency goes up by the estimate. The first
 * estimate of a boot is applied whole (the frequency is then still unlearned: most of the error is
 * the oscillator's); after it, damped: a run moves the frequency by GAIN of its estimate, so a
 * bad run's error is applied in part and corrected over the next runs. Never by more than
 * MAX_CHANGE_PPM in one run, and the total stays within the kernel's own ±500 ppm.
 */
import { MAX_BASIS_SECONDS, MAX_KERNEL_PPM } from './estimate.js'
import { sameBoot, type RunRecord } from './run-record.js'

export { MAX_KERNEL_PPM }
/** what one run may change: the 10–50 ppm of ordinary hardware is learned in one or two runs */
export const MAX_CHANGE_PPM = 50
/** the part of an estimate applied once the frequency has been learned (docs/performance.md: the drift simulation) */
export const GAIN = 0.75

export interface FrequencyChange {
  /** what this run adds to the kernel's frequency, ppm */
  appliedPpm: number
  /** the kernel's frequency after it, ppm */
  kernelPpm: number
}

/** `learned`: an earlier run of this boot has set the frequency */
export function frequencyChange(driftPpm: number, kernelPpm: number, learned: boolean): FrequencyChange {
  const next = within(MAX_KERNEL_PPM, kernelPpm + within(MAX_CHANGE_PPM, (learned ? GAIN : 1) * driftPpm))
  return { appliedPpm: next - kernelPpm, kernelPpm: next }
}

/** What a run that sets the clock does to the kernel's frequency: from `fromPpm` to `kernelPpm`. */
export type FrequencyPlan = { kind: 'estimate'; fromPpm: number; kernelPpm: number; driftPpm: number; basisSeconds: number } | { kind: 'restore'; fromPpm: number; kernelPpm: number }

/**
 * Moves the frequency by the estimate; or, at a boot's first set without one (no record of this
 * boot, the kernel still at 0), puts back the frequency of the last record from an earlier boot,
 * as a daemon's drift file does: only from a record at most MAX_BASIS_SECONDS old by the wall
 * clock (a copied VM image, months-old hardware), by MAX_CHANGE_PPM at most, and never for a run
 * with -a or --nts (`current.authenticated`), as unauthenticated runs may have set that
 * frequency. Else nothing. A restored frequency counts as learned: the next estimate is damped.
 */
export function planFrequency(records: readonly RunRecord[], current: RunRecord, estimate: { driftPpm: number; basisSeconds: number } | null, kernelPpm: number): FrequencyPlan | undefined {
  const thisBoot = records.filter((r) => sameBoot(r, current))
  if (estimate) {
    const learned = thisBoot.some((r) => (r.appliedPpm ?? 0) !== 0)
    const { driftPpm, basisSeconds } = estimate
    return { kind: 'estimate', fromPpm: kernelPpm, kernelPpm: frequencyChange(driftPpm, kernelPpm, learned).kernelPpm, driftPpm, basisSeconds }
  }
  const last = records.at(-1)
  if (current.authenticated || thisBoot.length > 0 || !last || kernelPpm !== 0 || last.kernelPpm === 0) return undefined
  const age = current.atSeconds - last.atSeconds
  if (!(age >= 0 && age <= MAX_BASIS_SECONDS)) return undefined
  return { kind: 'restore', fromPpm: kernelPpm, kernelPpm: within(MAX_CHANGE_PPM, last.kernelPpm) }
}

/** `value`, brought within ±`limit` */
function within(limit: number, value: number): number {
  return Math.max(-limit, Math.min(limit, value))
}
