/**
 * Choosing the server to trust (RFC 5905 §10–11, one-shot): each server's lowest-delay usable
 * sample and its offset (ntp/offset-filter.ts), then the intersection vote over those, then the
 * lowest-delay truechimer. Pure.
 */
import { kissCodeOf, type KissCode } from '../ntp/kiss.js'
import type { Reject } from '../ntp/reject.js'
import { estimateOffset, type OffsetEstimate } from '../ntp/offset-filter.js'
import { rootDistanceAt, type Sample } from '../ntp/sample.js'
import { checkRootDistance, checkSuitability } from '../ntp/suitability.js'
import { vote, type Interval } from './vote.js'
import type { Server } from '../config/server.js'

/** Everything one server produced during the run. */
export interface ServerObservation {
  server: Server
  /** replies that were ours and well-formed, in arrival order */
  samples: Sample[]
}

export type ServerStatus =
  | { kind: 'selected' }
  | { kind: 'truechimer' }
  | { kind: 'falseticker' }
  | { kind: 'kod'; code: KissCode }
  | { kind: 'no-reply' }
  | { kind: 'rejected'; reason: Reject }

export interface ServerVerdict {
  server: Server
  /** the lowest-delay usable sample; else the kiss or the last reply; undefined without replies */
  best: Sample | undefined
  /** the server's offset: `best`'s, unless all usable samples' bounds exclude it (ntp/offset-filter.ts) */
  estimate: OffsetEstimate | undefined
  /** λ of `best` at selection time (its root distance grown with age) */
  rootDistance: number | undefined
  status: ServerStatus
  /** the server sent a RATE kiss: it got no more requests, its earlier samples still count */
  rateLimited: boolean
}

export type Agreement =
  /** no server passed the checks: nothing to vote on */
  | { kind: 'none' }
  | { kind: 'majority'; intersection: Interval }
  /** the voters' intervals leave no majority: nothing can be trusted */
  | { kind: 'no-majority' }

export interface Selection {
  verdicts: ServerVerdict[]
  chosen: ServerVerdict | undefined
  agreement: Agreement
}

/** `nowNanos`: the local time of the selection, for the samples' age. */
export function selectServer(observations: readonly ServerObservation[], nowNanos: bigint): Selection {
  const verdicts = observations.map((o) => judgeServer(o, nowNanos))
  const voters = verdicts.filter((v) => v.status.kind === 'truechimer')
  if (voters.length === 0) return { verdicts, chosen: undefined, agreement: { kind: 'none' } }

  const result = vote(voters.map((v) => ({ offset: v.estimate!.offset, rootDistance: v.rootDistance! })))
  if (result.kind === 'no-majority') return { verdicts, chosen: undefined, agreement: result }
  for (const i of result.falsetickers) voters[i]!.status = { kind: 'falseticker' }
  const chosen = result.truechimers.map((i) => voters[i]!).reduce((best, v) => (isBetter(v, best) ? v : best))
  chosen.status = { kind: 'selected' }
  return { verdicts, chosen, agreement: { kind: 'majority', intersection: result.intersection } }
}

/** The clock filter of a one-shot client: the lowest-delay sample carries the least error (RFC 5905 §10). */
function judgeServer({ server, samples }: ServerObservation, nowNanos: bigint): ServerVerdict {
  const kisses = samples.map((s) => kissCodeOf(s.packet))
  const rateLimited = kisses.includes('RATE')
  const verdict = (best: Sample | undefined, status: ServerStatus, estimate = best && { offset: best.offset }): ServerVerdict => ({
    server,
    best,
    estimate,
    rootDistance: best && rootDistanceAt(best, nowNanos),
    status,
    rateLimited,
  })
  if (samples.length === 0) return verdict(undefined, { kind: 'no-reply' })
  // DENY and RSTR withdraw the server: whatever it said before does not count (RFC 5905 §7.4).
  const refusal = kisses.findIndex((k) => k === 'DENY' || k === 'RSTR')
  if (refusal >= 0) return verdict(samples[refusal], { kind: 'kod', code: kisses[refusal]! })

  const reasons = samples.map((s) => checkSuitability(s.packet) ?? checkRootDistance(rootDistanceAt(s, nowNanos)))
  const usable = samples.filter((_, i) => reasons[i] === null)
  const best = lowestDelay(usable)
  if (best) return verdict(best, { kind: 'truechimer' }, estimateOffset(best, usable))
  if (rateLimited) return verdict(samples[kisses.indexOf('RATE')], { kind: 'kod', code: 'RATE' })
  return verdict(samples[samples.length - 1], { kind: 'rejected', reason: reasons[reasons.length - 1]! })
}

function lowestDelay(samples: readonly Sample[]): Sample | undefined {
  return samples.reduce<Sample | undefined>((best, s) => (best === undefined || s.delay < best.delay ? s : best), undefined)
}

function isBetter(a: ServerVerdict, b: ServerVerdict): boolean {
  const [sa, sb] = [a.best!, b.best!]
  return sa.delay < sb.delay || (sa.delay === sb.delay && sa.stratum < sb.stratum)
}
