/**
 * --drift-file: this run's record, and the estimate of the clock's rate against the last one
 * (drift/estimate.ts), reported in --json and -d; the record is written once the run has acted,
 * with the correction it applied. A run that set the clock also sets the kernel's frequency
 * (frequencyPlan), unless a time daemon keeps the clock. Only a run that chose a server is recorded.
 */
import type { Outcome } from '../decide/decide.js'
import { estimateDrift } from '../drift/estimate.js'
import { frequencyChange, MAX_KERNEL_PPM } from '../drift/frequency.js'
import { decodeRecords, encodeRecords, sameBoot, type RunRecord } from '../drift/run-record.js'
import type { ClockReader } from '../io/ports.js'
import type { DriftSources } from '../io/drift-system.js'
import { displayServer } from '../ntp/endpoint.js'
import type { Frequency } from '../report/json.js'
import type { Selection } from '../select/verdict.js'

export interface DriftRun {
  /**
   * `changed`: the outcome's set was carried out; `daemonKeepsClock` is asked before the
   * frequency is set
   */
  finish(outcome: Outcome, changed: boolean, daemonKeepsClock: () => boolean): void
}

interface DriftOutput {
  warn: (line: string) => void
  notice: (line: string) => void
  debug: ((line: string) => void) | undefined
  report: { frequency(frequency: Frequency | null): void }
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
  const kernelPpm = system.drift.kernelPpm() ?? 0
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
  // a restore, too, is only of an authenticated record's frequency
  const usable = authenticated ? records.filter((r) => r.authenticated === true) : records
  const estimated = estimate.kind === 'estimate' ? { driftPpm: estimate.driftPpm, basisSeconds: estimate.basisSeconds, appliedPpm: null, kernelPpm } : null
  out.report.frequency(estimated)
  if (estimate.kind === 'estimate') {
    out.debug?.(
      `drift: ${signed(estimate.driftPpm)} ppm ± ${estimate.errorPpm.toFixed(3)} over ${estimate.basisSeconds.toFixed(0)} s ` +
        `(offset ${previous?.offsetSeconds.toFixed(6)} s then, ${current.offsetSeconds.toFixed(6)} s now, after a ${previous?.correction.kind} of ${previous?.correction.seconds.toFixed(6)} s); kernel frequency ${kernelPpm.toFixed(3)} ppm`,
    )
  } else {
    out.debug?.(`drift: no estimate: ${estimate.reason}`)
  }
  const plan = frequencyPlan(usable, current, estimated, kernelPpm)
  /** sets the kernel's frequency as planned; returns what it then is */
  const applyFrequency = (planned: FrequencyPlan): number => {
    try {
      const now = system.drift.setKernelPpm(planned.kernelPpm)
      if (estimated) out.report.frequency({ ...estimated, appliedPpm: now - kernelPpm, kernelPpm: now })
      out.notice(`frequency ${signed(now)} ppm (${signed(now - kernelPpm)} ppm, ${planned.why})`)
      return now
    } catch (error) {
      out.warn(`the clock is set, but its frequency was not: ${(error as Error).message}`)
      return system.drift.kernelPpm() ?? kernelPpm
    }
  }
  return {
    finish(outcome, changed, daemonKeepsClock) {
      const set = changed && outcome.kind === 'set'
      const correction = set ? { kind: outcome.method, seconds: outcome.offset } : { kind: 'none' as const, seconds: 0 }
      const kernelAfter = set && plan && !daemonKeepsClock() ? applyFrequency(plan) : kernelPpm
      const record: RunRecord = { ...current, correction, kernelPpm: kernelAfter, appliedPpm: kernelAfter - kernelPpm, realMinusBootSeconds: system.drift.clocks().realMinusBootSeconds }
      try {
        system.drift.write(path, encodeRecords([...records, record]))
      } catch (error) {
        out.warn(`drift file ${path} not written: ${(error as Error).message.split(', ')[0]}`)
      }
    },
  }
}

interface FrequencyPlan {
  kernelPpm: number
  /** for the notice line */
  why: string
}

/**
 * What a run that sets the clock does to the kernel's frequency: moves it by the estimate
 * (drift/frequency.ts); or, at a boot's first run (the kernel still at 0), puts back the
 * frequency the last boot ran at, as a daemon's drift file does; or nothing.
 */
function frequencyPlan(records: readonly RunRecord[], current: RunRecord, estimated: Frequency | null, kernelPpm: number): FrequencyPlan | undefined {
  const thisBoot = records.filter((r) => sameBoot(r, current))
  if (estimated) {
    const change = frequencyChange(estimated.driftPpm, kernelPpm, thisBoot.some((r) => (r.appliedPpm ?? 0) !== 0))
    return { kernelPpm: change.kernelPpm, why: `for a drift of ${signed(estimated.driftPpm)} ppm over ${estimated.basisSeconds.toFixed(0)} s` }
  }
  const lastBoot = records.at(-1)
  if (thisBoot.length > 0 || !lastBoot || kernelPpm !== 0 || lastBoot.kernelPpm === 0) return undefined
  return { kernelPpm: Math.max(-MAX_KERNEL_PPM, Math.min(MAX_KERNEL_PPM, lastBoot.kernelPpm)), why: 'the last boot\'s, from the drift file' }
}

function signed(ppm: number): string {
  return `${ppm >= 0 ? '+' : ''}${ppm.toFixed(3)}`
}
