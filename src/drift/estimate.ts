/**
 * The local clock's rate error from two runs (issue: learn the drift). Pure.
 *
 * With offset θ > 0 when the local clock is behind, a run that measured θ₁ and moved the clock by
 * s (a step at once; a slew at the kernel's 500 ppm, so by the next run min(|s|, 500 ppm × basis))
 * left the clock θ₁ − s behind. If the clock then loses d seconds per second, the next run
 * measures θ₂ = θ₁ − s + d·basis: d = (θ₂ − θ₁ + s) / basis, as ppm: driftPpm > 0 means the local
 * clock falls further behind, by driftPpm µs every second.
 *
 * Not seen between two runs: a slew by someone else (adjtime) that ended before the second run.
 * It reads as drift; an estimate beyond what a kernel can correct (MAX_KERNEL_PPM) is none, and
 * drift/frequency.ts changes the frequency by MAX_CHANGE_PPM a run at most.
 */
import { sameBoot, type RunRecord } from './run-record.js'

export type DriftEstimate = { kind: 'estimate'; driftPpm: number; basisSeconds: number; errorPpm: number } | { kind: 'none'; reason: string }

/** the kernel's limit on the frequency offset (MAXFREQ, <linux/timex.h>): a drift beyond it is no clock's */
export const MAX_KERNEL_PPM = 500
/** a record older than this says little about today's rate (temperature, a VM moved) */
export const MAX_BASIS_SECONDS = 7 * 86_400
/**
 * the estimate's worst case (its error bound) must be within this, or it is none: no more than
 * one run may change the frequency by (drift/frequency.ts MAX_CHANGE_PPM), so a wrong estimate
 * can do no more harm than the cap allows. Two runs whose offsets are each good to 0.5 ms need
 * a basis of 20 s.
 */
export const MAX_ERROR_PPM = 50
/** the kernel's slew rate (adjtime): 500 µs per second */
const SLEW_RATE = 500e-6
/** CLOCK_REALTIME − CLOCK_BOOTTIME changes only by a step: more than this, someone stepped */
const STEP_NOISE_SECONDS = 0.001

/**
 * `errorSeconds`: how far off each run's offset may be (the two runs' together), from the chosen
 * samples (half the delay plus the dispersion).
 */
export function estimateDrift(previous: RunRecord | undefined, current: RunRecord, errorSeconds: number): DriftEstimate {
  if (!previous) return { kind: 'none', reason: 'no earlier run recorded' }
  const basis = current.boottimeSeconds - previous.boottimeSeconds
  if (!sameBoot(previous, current) || !(basis > 0)) return { kind: 'none', reason: 'the earlier record is from another boot' }
  if (basis > MAX_BASIS_SECONDS) return { kind: 'none', reason: `the earlier run is ${Math.round(basis / 86_400)} days old (at most ${MAX_BASIS_SECONDS / 86_400})` }
  if (!current.servers.some((s) => previous.servers.includes(s))) return { kind: 'none', reason: 'no server in common with the earlier run' }
  if (current.authenticated && !previous.authenticated) return { kind: 'none', reason: 'the earlier run was not authenticated (-a, --nts)' }
  // the previous run's value after its correction, this run's before its own: equal unless stepped
  const stepped = current.realMinusBootSeconds - previous.realMinusBootSeconds
  if (Math.abs(stepped) > STEP_NOISE_SECONDS) return { kind: 'none', reason: `the clock was stepped in between by someone else (${stepped.toFixed(6)} s)` }
  if (Math.abs(current.kernelPpm - previous.kernelPpm) > 0.001) return { kind: 'none', reason: 'the kernel frequency was changed in between' }
  const { kind, seconds } = previous.correction
  const moved = kind === 'slew' ? Math.sign(seconds) * Math.min(Math.abs(seconds), SLEW_RATE * basis) : kind === 'step' ? seconds : 0
  const driftPpm = ((current.offsetSeconds - previous.offsetSeconds + moved) / basis) * 1e6
  const errorPpm = (errorSeconds / basis) * 1e6
  if (errorPpm > MAX_ERROR_PPM) return { kind: 'none', reason: `${basis.toFixed(0)} s is too short a basis for offsets good to ${(errorSeconds * 1e6).toFixed(0)} µs (±${errorPpm.toFixed(1)} ppm)` }
  if (!(Math.abs(driftPpm) <= MAX_KERNEL_PPM))
    return { kind: 'none', reason: `${ppmText(driftPpm)} ppm is beyond what a kernel can correct (±${MAX_KERNEL_PPM} ppm): not a drift (a correction by someone else, or a corrupt record)` }
  return { kind: 'estimate', driftPpm, basisSeconds: basis, errorPpm }
}

function ppmText(ppm: number): string {
  return Math.abs(ppm) < 1e6 ? ppm.toFixed(1) : ppm.toExponential(2)
}
