/** The one actor: where an outcome is acted on (the clock, the kernel's mark and its frequency), once. */
import type { Outcome } from '../decide/decide.js'
import { CheckFailedError, ClockNotSetError, DaemonRunningError, InterruptedError, NoServerError, errorText, type InterruptSignal } from '../errors.js'
import { ExitCode } from '../exit-codes.js'
import type { FrequencyPlan } from '../drift/frequency.js'
import { failureLine, frequencyLine, resultLine } from '../report/format.js'
import type { RunLines, System } from './run.js'
import type { DriftSources } from '../ports.js'

export interface Setting {
  /** a signal that arrived: the clock is then not set */
  interrupted(): InterruptSignal | undefined
  /** the clock was just changed */
  changed(): void
  /** after a set that planned a frequency: the kernel's is now this, and whether the plan was applied */
  frequencySet(kernelPpm: number, applied: boolean): void
}

/** An outcome that is not a set or a report ends the run with its error (and its exit status). */
export function carryOut(outcome: Outcome, system: Pick<System, 'clock' | 'markSynchronised' | 'drift'>, lines: RunLines, setting: Setting): ExitCode {
  const { clock } = system
  switch (outcome.kind) {
    case 'no-server':
    case 'no-majority':
      throw new NoServerError(failureLine(outcome))
    case 'beyond-max-step':
      throw new ClockNotSetError(failureLine(outcome))
    case 'daemon-keeps-clock':
      throw new DaemonRunningError(failureLine(outcome))
    case 'check-failed':
      lines.notice(resultLine(outcome))
      throw new CheckFailedError(failureLine(outcome))
    case 'report':
      lines.notice(resultLine(outcome))
      return ExitCode.Ok
    case 'set': {
      const signal = setting.interrupted()
      if (signal) throw new InterruptedError(signal)
      if (outcome.method === 'step') clock.step(outcome.offset)
      else clock.slew(outcome.offset)
      setting.changed()
      lines.notice(resultLine(outcome))
      if (outcome.mark) {
        const problem = system.markSynchronised(outcome.mark)
        if (problem) lines.error(`the clock is set, but the kernel was not told it is synchronised: ${problem}`)
      }
      if (outcome.frequency) {
        const { kernelPpm, applied } = setFrequency(outcome.frequency, system.drift, lines)
        setting.frequencySet(kernelPpm, applied)
      }
      return ExitCode.Ok
    }
  }
}

/** Sets the kernel's frequency as planned; says what it then is (a refusal is one warning: the set stands). */
function setFrequency(plan: FrequencyPlan, drift: DriftSources, lines: RunLines): { kernelPpm: number; applied: boolean } {
  try {
    const kernelPpm = drift.setKernelPpm(plan.kernelPpm)
    lines.notice(frequencyLine(plan, kernelPpm))
    return { kernelPpm, applied: true }
  } catch (error) {
    lines.error(`the clock is set, but its frequency was not: ${errorText(error)}`)
    return { kernelPpm: drift.kernelPpm() ?? plan.fromPpm, applied: false }
  }
}
