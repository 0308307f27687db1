/** One server's state in the query loop (network/query.ts), and what the loop asks of it. */
import type { ServerObservation } from '../ntp/observation.js'
import type { RequestProgress } from '../ntp/request-policy.js'
import type { NtpTimestamp } from '../ntp/timestamp.js'
import type { StampSource } from '../ports.js'
import type { RequestAuth } from '../auth/authentication.js'
import type { Authenticate } from '../ntp/classify.js'

/** One server's part of the run. */
export interface ServerRun extends Omit<RequestProgress, 'expected'> {
  observation: ServerObservation
  /** picked for a request that sendPaced has not sent yet */
  queued: boolean
  /** no more requests and none waiting, for good */
  done: boolean
  /** its requests still waiting for a reply */
  waitingRequests: Set<Pending>
  /** the longest round trip of its replies so far, nanoseconds (0: none yet) */
  longestRoundTripNanos: bigint
  /** -a, --nts: how its requests are protected */
  auth: RequestAuth | undefined
}

/** A request waiting for its reply; network/query.ts retires it in one place (its reply, its timeout, a failed send). */
export interface Pending {
  run: ServerRun
  nonce: NtpTimestamp
  sentAtNanos: bigint
  sentBy: StampSource
  /** cancels its timeout */
  cancelTimeout: () => void
  /** the test its reply must pass (-a, --nts) */
  check: Authenticate | undefined
}

/**
 * The waiting requests whose reply may still come in time: sent less than twice the server's
 * longest round trip so far ago (at least MIN_PATIENCE_NANOS, as a path's round trip may grow), or,
 * before its first reply, less than the timeout.
 */
export function expectedReplies(run: ServerRun, nowNanos: bigint, timeoutNanos: bigint): number {
  const seen = 2n * run.longestRoundTripNanos
  const patience = run.longestRoundTripNanos > 0n ? (seen > MIN_PATIENCE_NANOS ? seen : MIN_PATIENCE_NANOS) : timeoutNanos
  let count = 0
  for (const request of run.waitingRequests) if (nowNanos - request.sentAtNanos < patience) count++
  return count
}

const MIN_PATIENCE_NANOS = 100_000_000n

export function countSentSince(pending: ReadonlyMap<NtpTimestamp, Pending>, sinceNanos: bigint): number {
  let count = 0
  for (const request of pending.values()) if (request.sentAtNanos > sinceNanos) count++
  return count
}
