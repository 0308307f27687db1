/**
 * --drift-file: this run's record, and the estimate of the clock's rate against the last one
 * (drift/estimate.ts), reported in --json and -d; the record is written once the run has acted,
 * with the correction it applied. Only a run that chose a server is recorded.
 */
import type { Outcome } from '../decide/decide.js'
import { estimateDrift } from '../drift/estimate.js'
import { decodeRecords, encodeRecords, type RunRecord } from '../drift/run-record.js'
import type { ClockReader } from '../io/ports.js'
import type { DriftSources } from '../io/drift-system.js'
import { displayServer } from '../ntp/endpoint.js'
import type { Frequency } from '../report/json.js'
import type { Selection } from '../select/verdict.js'

export interface DriftRun {
  /** `changed`: the outcome's set was carried out */
  finish(outcome: Outcome, changed: boolean): void
}

interface DriftOutput {
  warn: (line: string) => void
  debug: ((line: string) => void) | undefined
  report: { frequency(frequency: Frequency | null): void }
}

export function startDriftRun(path: string, selection: Selection, system: { clock: ClockReader; drift: DriftSources }, out: DriftOutput): DriftRun | undefined {
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
  const kernelPpm = system.drift.kernelPpm() ?? 0
  // the moment the chosen sample arrived, in boot time: the offset is of that moment
  const sinceSample = Number(system.clock.nowNanos() - chosen.best.receivedAtNanos) / 1e9
  const current: RunRecord = {
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
  if (estimate.kind === 'estimate') {
    out.report.frequency({ driftPpm: estimate.driftPpm, basisSeconds: estimate.basisSeconds, appliedPpm: null, kernelPpm })
    out.debug?.(
      `drift: ${estimate.driftPpm >= 0 ? '+' : ''}${estimate.driftPpm.toFixed(3)} ppm ± ${estimate.errorPpm.toFixed(3)} over ${estimate.basisSeconds.toFixed(0)} s ` +
        `(offset ${previous?.offsetSeconds.toFixed(6)} s then, ${current.offsetSeconds.toFixed(6)} s now, after a ${previous?.correction.kind} of ${previous?.correction.seconds.toFixed(6)} s); kernel frequency ${kernelPpm.toFixed(3)} ppm`,
    )
  } else {
    out.report.frequency(null)
    out.debug?.(`drift: no estimate: ${estimate.reason}`)
  }
  return {
    finish(outcome, changed) {
      const correction = changed && outcome.kind === 'set' ? { kind: outcome.method, seconds: outcome.offset } : { kind: 'none' as const, seconds: 0 }
      const record = { ...current, correction, realMinusBootSeconds: system.drift.clocks().realMinusBootSeconds }
      try {
        system.drift.write(path, encodeRecords([...records, record]))
      } catch (error) {
        out.warn(`drift file ${path} not written: ${(error as Error).message.split(', ')[0]}`)
      }
    },
  }
}
