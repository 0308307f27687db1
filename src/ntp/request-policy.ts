/**
 * How many requests a server gets. `-p N` asks for N usable replies, not N requests: a server keeps
 * getting a request every --gap until N usable replies have come or 2·N requests went out, so that
 * loss costs time rather than accuracy. A server that has given no usable reply by the time its
 * first N requests are answered or timed out gets no more (a dead one costs what it always did: one
 * timeout after its N-th request), nor does one that sent a kiss telling us to stop (RFC 5905 §7.4).
 * A request whose reply may still come in time (the loop says which are `expected`) counts toward
 * the N, so a slow but reliable server is not sent requests it will answer anyway.
 */

export interface RequestProgress {
  sent: number
  /** requests still waiting for a reply or their timeout */
  waiting: number
  /** of those, the ones whose reply may still come in time */
  expected: number
  /** replies that passed the checks a single reply can pass (ntp/suitability.ts) */
  usable: number
  /** a kiss said no more requests, or the server cannot be reached at all */
  stopped: boolean
}

/** `send`: one more request now; `wait`: nothing now, maybe later; `done`: nothing more will come. */
export type NextStep = 'send' | 'wait' | 'done'

export function nextStep(progress: RequestProgress, wanted: number): NextStep {
  if (wantsNoMore(progress, wanted)) return progress.waiting > 0 ? 'wait' : 'done'
  return progress.usable + progress.expected < wanted ? 'send' : 'wait'
}

/** `done` for good: no more requests, none waiting (a server once done stays done). */
export function isDone(progress: Omit<RequestProgress, 'expected'>, wanted: number): boolean {
  return wantsNoMore(progress, wanted) && progress.waiting === 0
}

function wantsNoMore({ sent, usable, stopped }: Omit<RequestProgress, 'expected' | 'waiting'>, wanted: number): boolean {
  const enough = stopped || usable >= wanted || sent >= 2 * wanted
  const silent = sent >= wanted && usable === 0
  return enough || silent
}
