/**
 * The checks of one server, before any vote (RFC 5905 §10, one-shot): which replies are usable,
 * the lowest-delay one, the offset all of them allow, the jitter, and the root distance. Pure.
 */
import type { ServerObservation } from '../ntp/observation.js'
import { estimateOffset } from '../ntp/offset-filter.js'
import { jitterOf, rootDistanceAt, type Sample } from '../ntp/sample.js'
import { checkRootDistance, checkSuitability } from '../ntp/suitability.js'
import type { Judgement } from './verdict.js'

/** `nowNanos`: the local time of the selection, for the samples' age. */
export function judgeServer({ server, replies, kisses, unauthenticated }: ServerObservation, nowNanos: bigint): Judgement {
  // DENY and RSTR withdraw the server: whatever it said before does not count (RFC 5905 §7.4).
  const withdrawal = kisses.find((k) => k.action === 'withdraw')
  if (withdrawal) return { kind: 'kissed', server, kiss: withdrawal, replies }
  const rateLimited = kisses.some((k) => k.action === 'rate-limit')

  const faults = replies.map((s) => checkSuitability(s.packet) ?? checkRootDistance(rootDistanceAt(s, nowNanos)))
  const usable = replies.filter((_, i) => faults[i] === null)
  const best = lowestDelay(usable)
  if (best) {
    const estimate = estimateOffset(best, usable)
    const jitter = jitterOf(usable, estimate.offset)
    const rootDistance = rootDistanceAt(best, nowNanos, jitter)
    const candidate = { server, best, estimate, jitter, rootDistance, usableSamples: usable.length, rateLimited }
    const tooFar = checkRootDistance(rootDistance)
    if (!tooFar) return { kind: 'candidate', server, candidate }
    return { kind: 'rejected', server, fault: tooFar, last: best, rootDistance, rateLimited }
  }
  const last = replies.at(-1)
  const lastFault = faults.at(-1)
  if (last && lastFault) return { kind: 'rejected', server, fault: lastFault, last, rootDistance: rootDistanceAt(last, nowNanos), rateLimited }
  const kiss = kisses.at(-1)
  if (kiss) return { kind: 'kissed', server, kiss, replies }
  if (unauthenticated > 0) return { kind: 'unauthenticated', server, ignored: unauthenticated }
  return { kind: 'no-reply', server }
}

function lowestDelay(samples: readonly Sample[]): Sample | undefined {
  return samples.reduce<Sample | undefined>((best, s) => (best === undefined || s.delay < best.delay ? s : best), undefined)
}
