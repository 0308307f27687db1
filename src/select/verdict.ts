/** What selection says of each server: the checks' result first, then the vote's. */
import type { Server } from '../ntp/endpoint.js'
import type { ServerFault } from '../ntp/fault.js'
import type { Kiss } from '../ntp/kiss.js'
import type { OffsetEstimate } from '../ntp/offset-filter.js'
import type { Sample } from '../ntp/sample.js'
import type { Interval } from '../ntp/interval.js'

/** A server that passed the checks: what it brings to the vote. */
export interface Candidate {
  server: Server
  /** the lowest-delay usable sample (the clock filter, RFC 5905 §10) */
  best: Sample
  /** the server's offset: `best`'s, unless all usable samples' bounds exclude it (ntp/offset-filter.ts) */
  estimate: OffsetEstimate
  /** RMS of the usable samples' offsets around the estimate (RFC 5905 §10) */
  jitter: number
  /** λ at selection time, RFC 5905 A.5.5.2's root_dist(): the half-width of its interval in the vote */
  rootDistance: number
  /** the usable samples the estimate and jitter came from */
  usableSamples: number
  /** it sent RATE: it got no more requests, its earlier replies still count */
  rateLimited: boolean
}

/** A server that cannot take part in the vote, and why. */
export type Unusable =
  | { kind: 'no-reply'; server: Server }
  /** a kiss withdrew it (DENY, RSTR), or it sent only kisses and no usable reply */
  | { kind: 'kissed'; server: Server; kiss: Kiss; replies: readonly Sample[] }
  /** with -a: it answered, but nothing it sent authenticated with our key */
  | { kind: 'unauthenticated'; server: Server; ignored: number }
  /**
   * it answered, but no reply passed the checks: `fault` is the last reply's (or, when only the
   * server's jitter took λ past the limit, the best one's); `rootDistance` is λ at selection time
   */
  | { kind: 'rejected'; server: Server; fault: ServerFault; last: Sample; rootDistance: number; rateLimited: boolean }

/** The checks' result for one server. */
export type Judgement = { kind: 'candidate'; server: Server; candidate: Candidate } | Unusable

/** The final word on one server. */
export type ServerVerdict =
  | Unusable
  | { kind: 'selected'; server: Server; candidate: Candidate }
  /** a truechimer, not chosen: `selected` was better */
  | { kind: 'agreed'; server: Server; candidate: Candidate; selected: Candidate }
  | { kind: 'falseticker'; server: Server; candidate: Candidate; intersection: Interval }
  /** a voter in a vote that found no majority */
  | { kind: 'undecided'; server: Server; candidate: Candidate }

export type Selection =
  | { kind: 'chosen'; verdicts: ServerVerdict[]; chosen: Candidate; intersection: Interval }
  /** the voters' intervals leave no majority: nothing can be trusted */
  | { kind: 'no-majority'; verdicts: ServerVerdict[]; voters: Candidate[] }
  /** no server passed the checks: nothing to vote on */
  | { kind: 'none'; verdicts: ServerVerdict[] }

/** The candidate behind a verdict, for the servers that took part in the vote. */
export function candidateOf(verdict: ServerVerdict): Candidate | undefined {
  return 'candidate' in verdict ? verdict.candidate : undefined
}
