/**
 * Choosing the server to trust (RFC 5905 §10–11, one-shot): each server's checks (judge.ts), then
 * the intersection vote over the candidates' intervals [θ − λ, θ + λ], then the lowest-delay
 * truechimer. Pure: it builds new values and changes none.
 */
import type { ServerObservation } from '../ntp/observation.js'
import { judgeServer } from './judge.js'
import type { Candidate, Selection, ServerVerdict } from './verdict.js'
import { vote } from './vote.js'

/** `nowNanos`: the local time of the selection, for the samples' age. */
export function selectServer(observations: readonly ServerObservation[], nowNanos: bigint): Selection {
  const judgements = observations.map((o) => judgeServer(o, nowNanos))
  const voters = judgements.flatMap((j) => (j.kind === 'candidate' ? [j.candidate] : []))
  const asVoter = (verdictOf: (candidate: Candidate) => ServerVerdict): ServerVerdict[] => judgements.map((j) => (j.kind === 'candidate' ? verdictOf(j.candidate) : j))
  if (voters.length === 0) return { kind: 'none', verdicts: judgements.flatMap((j) => (j.kind === 'candidate' ? [] : [j])) }

  const result = vote(voters.map((c) => ({ offset: c.estimate.offset, rootDistance: c.rootDistance })))
  if (result.kind === 'no-majority') {
    return { kind: 'no-majority', voters, verdicts: asVoter((candidate) => ({ kind: 'undecided', server: candidate.server, candidate })) }
  }
  const truechimers = result.truechimers.flatMap((i) => voters[i] ?? [])
  const [first, ...others] = truechimers
  if (first === undefined) throw new Error('selection: a majority always holds a truechimer')
  const chosen = others.reduce((best, c) => (isBetter(c, best) ? c : best), first)
  const { intersection } = result
  const verdictOf = (candidate: Candidate): ServerVerdict => {
    const server = candidate.server
    if (candidate === chosen) return { kind: 'selected', server, candidate }
    if (truechimers.includes(candidate)) return { kind: 'agreed', server, candidate, selected: chosen }
    return { kind: 'falseticker', server, candidate, intersection }
  }
  return { kind: 'chosen', verdicts: asVoter(verdictOf), chosen, intersection }
}

/** Lower delay wins; at the same delay, the lower stratum; at both the same, the one listed first. */
export function isBetter(a: Candidate, b: Candidate): boolean {
  return a.best.delay < b.best.delay || (a.best.delay === b.best.delay && a.best.stratum < b.best.stratum)
}
