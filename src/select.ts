/** Choosing the server to trust: best sample per server, then the best server. Pure. */
import type { Reject } from './ntp/reject.js'
import type { Sample } from './ntp/sample.js'
import { checkSuitability } from './ntp/suitability.js'
import type { Server } from './server.js'

/** Everything one server produced during the run. */
export interface ServerObservation {
  server: Server
  /** replies that were ours and well-formed, in arrival order */
  samples: Sample[]
}

export type ServerStatus =
  | { kind: 'selected' }
  | { kind: 'candidate' }
  | { kind: 'no-reply' }
  | { kind: 'rejected'; reason: Reject }

export interface ServerVerdict {
  server: Server
  /** the lowest-delay usable sample, or the last reply when none was usable */
  best: Sample | undefined
  status: ServerStatus
}

export interface Selection {
  verdicts: ServerVerdict[]
  chosen: ServerVerdict | undefined
}

export function selectServer(observations: readonly ServerObservation[]): Selection {
  const verdicts = observations.map(judgeServer)
  const candidates = verdicts.filter((v) => v.status.kind === 'candidate')
  const chosen = candidates.reduce<ServerVerdict | undefined>(
    (best, v) => (best === undefined || isBetter(v, best) ? v : best),
    undefined,
  )
  if (chosen) chosen.status = { kind: 'selected' }
  return { verdicts, chosen }
}

/** The clock filter of a one-shot client: the lowest-delay sample carries the least error (RFC 5905 §10). */
function judgeServer({ server, samples }: ServerObservation): ServerVerdict {
  if (samples.length === 0) return { server, best: undefined, status: { kind: 'no-reply' } }
  const usable = samples.filter((s) => checkSuitability(s.packet) === null)
  const best = lowestDelay(usable)
  if (best) return { server, best, status: { kind: 'candidate' } }
  const last = samples[samples.length - 1]!
  return { server, best: last, status: { kind: 'rejected', reason: checkSuitability(last.packet)! } }
}

function lowestDelay(samples: readonly Sample[]): Sample | undefined {
  return samples.reduce<Sample | undefined>((best, s) => (best === undefined || s.delay < best.delay ? s : best), undefined)
}

function isBetter(a: ServerVerdict, b: ServerVerdict): boolean {
  const [sa, sb] = [a.best!, b.best!]
  return sa.delay < sb.delay || (sa.delay === sb.delay && sa.stratum < sb.stratum)
}
