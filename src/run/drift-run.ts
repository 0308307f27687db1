/**
 * --drift-file: this run's record, and the estimate of the clock's rate against the last one
 * (drift/estimate.ts), reported in --json and -d; the record is written once the run has acted,
 * with the correction it applied and the frequency it left. What a set does to the kernel's
 * frequency is planned here (drift/frequency.ts planFrequency), decided with the rest
 * (decide/decide.ts) and carried out with the set (run/carry-out.ts). Only a run that chose a server is
 * recorded.
 */
import { errorText } from '../errors.js'
import type { Outcome } from '../decide/decide.js'
import { estimateDrift } from '../drift/estimate.js'
import { planFrequency, type FrequencyPlan } from '../drift/frequency.js'
import { decodeRecords, encodeRecords, type RunRecord } from '../drift/run-record.js'
import type { ClockReader, DriftSources } from '../ports.js'
import { displayServer } from '../ntp/endpoint.js'
import type { Frequency } from '../report/json.js'
import { signedPpm } from '../report/format.js'
import type { Selection } from '../select/verdict.js'

export interface DriftRun {
  /** what a set would do to the kernel's frequency (decide() puts it in the `set` outcome), if anything */
  plan: FrequencyPlan | undefined
  /** the estimate of the clock's rate (--json, metrics), null without one */
  frequency: Frequency | null
  /**
   * Writes this run's record once it has acted: `changed`, the outcome's set was carried out;
   * `kernelPpmAfter`, the kernel's frequency then (default: as the run found it)
   */
  finish(outcome: Outcome, changed: boolean, kernelPpmAfter?: number): void
}

interface DriftOutput {
  warn: (line: string) => void
  debug: ((line: string) => void) | undefined
}

/**
 * `authenticated`: -a or --nts, so that only authenticated replies chose the server; such a run
 * learns only from records of runs like it (nothing unauthenticated may move its clock).
 */
export function startDriftRun(path: string, selection: Selection, authenticated: boolean, system: { clock: ClockReader; drift: DriftSources }, out: DriftOutput): DriftRun | undefined {
  if (selection.kind !== 'chosen') return undefined
  const read = system.drift.read(path)
  let records: RunRecord[] = []
  if ('refused' in read) {
    out.warn(`drift file ${read.refused}; not used`)
    return undefined
  }
  if ('text' in read || 'tooLarge' in read) {
    const decoded = 'text' in read ? decodeRecords(read.text) : { corrupt: 'too large' }
    if ('corrupt' in decoded) out.warn(`drift file ${path} is corrupt (${decoded.corrupt}); ignored, and replaced`)
    else records = decoded
  }
  const { chosen } = selection
  const clocks = system.drift.clocks()
  const kernelRead = system.drift.kernelPpm()
  const kernelPpm = kernelRead ?? 0
  // the moment the chosen sample arrived, in boot time: the offset is of that moment
  const sinceSample = Number(system.clock.nowNanos() - chosen.best.receivedAtNanos) / 1e9
  const bootId = system.drift.bootId()
  const current: RunRecord = {
    ...(bootId !== undefined && { bootId }),
    ...(authenticated && { authenticated }),
    atSeconds: Number(chosen.best.receivedAtNanos) / 1e9,
    boottimeSeconds: clocks.boottimeSeconds - sinceSample,
    realMinusBootSeconds: clocks.realMinusBootSeconds,
    servers: selection.verdicts.flatMap((v) => (v.kind === 'selected' || v.kind === 'agreed' ? [displayServer(v.server)] : [])),
    offsetSeconds: chosen.estimate.offset,
    correction: { kind: 'none', seconds: 0 },
    kernelPpm,
  }
  // each run's offset is good to half the delay plus the dispersion of its sample; two runs
  const errorSeconds = 2 * (chosen.best.delay / 2 + chosen.best.dispersion)
  const previous = records.at(-1)
  const estimate = estimateDrift(previous, current, errorSeconds)
  const estimated = estimate.kind === 'estimate' ? { driftPpm: estimate.driftPpm, basisSeconds: estimate.basisSeconds, appliedPpm: null, kernelPpm } : null
  if (estimate.kind === 'estimate') {
    out.debug?.(
      `drift: ${signedPpm(estimate.driftPpm)} ppm ± ${estimate.errorPpm.toFixed(3)} over ${estimate.basisSeconds.toFixed(0)} s ` +
        `(offset ${previous?.offsetSeconds.toFixed(6)} s then, ${current.offsetSeconds.toFixed(6)} s now, after a ${previous?.correction.kind} of ${previous?.correction.seconds.toFixed(6)} s); kernel frequency ${kernelPpm.toFixed(3)} ppm`,
    )
  } else {
    out.debug?.(`drift: no estimate: ${estimate.reason}`)
  }
  // a kernel frequency that cannot be read is not set either
  const plan = kernelRead === undefined ? undefined : planFrequency(records, current, estimated, kernelPpm)
  return {
    plan,
    frequency: estimated,
    finish(outcome, changed, kernelPpmAfter = kernelPpm) {
      const set = changed && outcome.kind === 'set'
      const correction = set ? { kind: outcome.method, seconds: outcome.offset } : { kind: 'none' as const, seconds: 0 }
      const record: RunRecord = { ...current, correction, kernelPpm: kernelPpmAfter, appliedPpm: kernelPpmAfter - kernelPpm, realMinusBootSeconds: system.drift.clocks().realMinusBootSeconds }
      try {
        system.drift.write(path, encodeRecords([...records, record]))
      } catch (error) {
        out.warn(`drift file ${path} not written: ${errorText(error)}`)
      }
    },
  }
}
