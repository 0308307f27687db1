/**
 * The one decision of a run: from the selection, the options and what the shell found out (the
 * daemon guard, the drift file's frequency plan), to the outcome that ends it. Pure; cli/main.ts
 * carries the outcome out (the clock, the kernel's mark and its frequency, in one place), and the
 * words of each outcome are in report/format.ts.
 */
import type { Server } from '../ntp/endpoint.js'
import type { Candidate, Selection } from '../select/verdict.js'
import type { RunningDaemon } from '../host/time-daemon.js'
import { markAfterSet, type SyncMark } from '../host/sync-mark.js'
import type { FrequencyPlan } from '../drift/frequency.js'

/** Classic ntpdate steps at or above this |offset| and slews below it. */
export const STEP_THRESHOLD_SECONDS = 0.5

export type Method = 'step' | 'slew'

export interface DecideOptions {
  /** -q, -d or --max-offset: report, never touch the clock */
  readOnly: boolean
  /** -b forces 'step', -B forces 'slew'; 'auto' picks by STEP_THRESHOLD_SECONDS */
  method: Method | 'auto'
  /** --max-step: refuse to move the clock by more than this many seconds */
  maxStepSeconds: number | undefined
  /** --max-offset: the check mode fails when |offset| is above this */
  maxOffsetSeconds: number | undefined
  /** -a: only replies that verify with this key counted */
  keyId: number | undefined
  /** after a set, mark the kernel's clock synchronised (not with --no-sync-mark) */
  markSync?: boolean
  /** --force: set the clock even while a time daemon keeps it (never its frequency) */
  force?: boolean
}

/** What the shell found out before deciding. */
export interface DecideFacts {
  /** the time daemon that keeps the clock; asked once, before deciding, when the run may set it */
  daemon: RunningDaemon | undefined
  /** --drift-file: what a set does to the kernel's frequency (drift/frequency.ts), if anything */
  frequency?: FrequencyPlan | undefined
}

/** The chosen server's offset and how the clock would be moved by it. */
export interface Correction {
  server: Server
  offset: number
  method: Method
}

export type Outcome =
  /** no server passed the checks; `keyId`: with -a, only replies that verify with it counted */
  | { kind: 'no-server'; keyId: number | undefined }
  /** the voters' intervals leave no majority */
  | { kind: 'no-majority'; voters: readonly Candidate[] }
  /** -q, -d, or --max-offset within its limit: report only */
  | ({ kind: 'report' } & Correction)
  /** --max-offset: |offset| is above the limit */
  | ({ kind: 'check-failed'; limit: number } & Correction)
  /** `mark`: what to tell the kernel once the clock is set (sync-mark.ts); `frequency`: the kernel frequency to set with it */
  | ({ kind: 'set'; mark?: SyncMark; frequency?: FrequencyPlan } & Correction)
  /** --max-step: the clock would move by more than the limit */
  | ({ kind: 'beyond-max-step'; limit: number } & Correction)
  /** a time daemon keeps the clock and --force was not given */
  | ({ kind: 'daemon-keeps-clock'; daemon: RunningDaemon } & Correction)

export function decide(selection: Selection, options: DecideOptions, facts: DecideFacts): Outcome {
  if (selection.kind === 'none') return { kind: 'no-server', keyId: options.keyId }
  if (selection.kind === 'no-majority') return { kind: 'no-majority', voters: selection.voters }
  const offset = selection.chosen.estimate.offset
  const correction: Correction = { server: selection.chosen.server, offset, method: methodFor(offset, options.method) }
  if (options.readOnly) {
    const limit = options.maxOffsetSeconds
    return limit !== undefined && Math.abs(offset) > limit ? { kind: 'check-failed', limit, ...correction } : { kind: 'report', ...correction }
  }
  // --max-step first: an offset that large is news (exit 4, which the hourly job reports) even
  // while a daemon keeps the clock (exit 5, which it takes quietly).
  const limit = options.maxStepSeconds
  if (limit !== undefined && Math.abs(offset) > limit) return { kind: 'beyond-max-step', limit, ...correction }
  if (facts.daemon && !options.force) return { kind: 'daemon-keeps-clock', daemon: facts.daemon, ...correction }
  const chosen = selection.chosen
  return {
    kind: 'set',
    ...correction,
    ...(options.markSync && { mark: markAfterSet(chosen.rootDistance, correction.method, offset) }),
    // never past a daemon, not even with --force: a daemon disciplines the frequency
    ...(facts.frequency && !facts.daemon && { frequency: facts.frequency }),
  }
}

export function methodFor(offset: number, method: DecideOptions['method']): Method {
  if (method !== 'auto') return method
  return Math.abs(offset) >= STEP_THRESHOLD_SECONDS ? 'step' : 'slew'
}
