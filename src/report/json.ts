/**
 * The --json document: what a run found and did, as one stable object (schema in README, --json).
 * Seconds are numbers; what is not known is null, never absent. Pure.
 */
import type { Outcome } from '../decide/decide.js'
import { displayServer } from '../ntp/endpoint.js'
import type { ServerObservation } from '../ntp/observation.js'
import { displayReferenceId } from '../ntp/refid.js'
import type { Sample } from '../ntp/sample.js'
import { candidateOf, type Selection, type ServerVerdict } from '../select/verdict.js'
import { explainVerdict } from './explain.js'
import type { Authentication } from '../auth/authentication.js'
import type { Server } from '../ntp/endpoint.js'
import { statusText, type ServerStatus } from './status.js'

/** A name the resolver could not turn into any address (of the asked family). */
export interface UnresolvedName {
  name: string
  port: number
  reason: string
}

/** --drift-file: the clock's rate error learned from the last run (drift/estimate.ts) */
export interface Frequency {
  /** > 0: the local clock falls further behind, by this many µs each second */
  driftPpm: number
  basisSeconds: number
  /** the frequency correction applied this run, ppm; null: none */
  appliedPpm: number | null
  /** the kernel's frequency offset (adjtimex), ppm */
  kernelPpm: number
}

/** A server for which NTS failed (key exchange, NAK, certificate): it took no part in the vote. */
export interface NtsFailure {
  name: string
  address: string | null
  port: number
  reason: string
}

/**
 * What a run found and did (run/run.ts fills it step by step, so a run that fails or is cut short
 * by a signal still has its part): the one value the JSON document and the metrics are built from.
 */
export interface RunFindings {
  /** names that yielded no address */
  unresolvable: UnresolvedName[]
  /** what selectServer was given: one for each verdict's server */
  observations: readonly ServerObservation[] | undefined
  selection: Selection | undefined
  outcome: Outcome | undefined
  /** -a, --nts: how a server's replies were authenticated */
  authenticationOf: ((server: Server) => Authentication | undefined) | undefined
  /** --drift-file: the estimate, null without one; undefined without --drift-file */
  frequency?: Frequency | null
  /** --nts: servers given up on before or after the query, with the one-line reason */
  ntsFailures: NtsFailure[]
  /** the outcome's clock change was carried out */
  clockChanged: boolean
}

/** The findings and how the run ended. */
export interface RunFacts extends Readonly<RunFindings> {
  version: string
  maxOffset: number | undefined
  exitCode: number
  /** the one-line message of a failed run */
  error: string | undefined
}

/** A run that has found nothing yet. */
export function noFindings(): RunFindings {
  return { unresolvable: [], observations: undefined, selection: undefined, outcome: undefined, authenticationOf: undefined, ntsFailures: [], clockChanged: false }
}

export interface JsonSample {
  offset: number
  delay: number
  dispersion: number
  rootDistance: number
  stratum: number
  leap: number
  refid: string
  /** T1 and T4, Unix seconds */
  sentAt: number
  receivedAt: number
}

/** A server as the run summary holds it (the document writes its status as text). */
export interface ServerSummary {
  name: string
  address: string | null
  port: number
  stratum: number | null
  leap: number | null
  refid: string | null
  rootDelay: number | null
  rootDispersion: number | null
  /** λ of the sample below at selection time */
  rootDistance: number | null
  offset: number | null
  delay: number | null
  /** the replies, never a kiss */
  samples: JsonSample[]
  /** the kiss codes it sent, in order */
  kisses: string[]
  /** written as selected, truechimer, falseticker, no-majority, kod:CODE, no-reply, unresolvable, rejected:REASON (rejected:nts: NTS failed) */
  status: ServerStatus
  reason: string | null
  rateLimited: boolean
  /** null for a plain server (or one none of whose replies counted), else how its replies were authenticated */
  authentication: Authentication | null
}

/** What the document and the metrics are written from. */
export interface RunSummary {
  version: string
  servers: ServerSummary[]
  agreement: 'majority' | 'no-majority' | 'none'
  intersection: { low: number; high: number } | null
  selected: string | null
  /** how the run ended (decide/decide.ts): no-server, no-majority, report, check-failed, set, beyond-max-step, daemon-keeps-clock */
  outcome: Outcome['kind'] | null
  action: 'query' | 'step' | 'slew' | 'none'
  method: 'step' | 'slew' | null
  offset: number | null
  maxOffset: number | null
  /** --drift-file: the clock's rate error, null without an estimate (or without --drift-file) */
  frequency: Frequency | null
  exitCode: number
  error: string | null
}

export type JsonServer = Omit<ServerSummary, 'status'> & { status: string }
/** The --json document. */
export type JsonReport = Omit<RunSummary, 'servers'> & { servers: JsonServer[] }

export function buildJsonReport(facts: RunFacts): JsonReport {
  return jsonDocument(summarize(facts))
}

export function jsonDocument(summary: RunSummary): JsonReport {
  return { ...summary, servers: summary.servers.map((server) => ({ ...server, status: statusText(server.status) })) }
}

export function summarize(facts: RunFacts): RunSummary {
  const observationOf = new Map(facts.observations?.map((o) => [o.server, o]))
  const { selection, outcome } = facts
  const correction = outcome && 'method' in outcome ? outcome : undefined
  const chosen = selection?.kind === 'chosen' ? selection.chosen : undefined
  return {
    version: facts.version,
    servers: [
      ...(selection?.verdicts.map((v) => jsonServer(v, observationOf.get(v.server), facts.authenticationOf?.(v.server))) ?? []),
      ...facts.ntsFailures.map((f) => unusableServer(f, { kind: 'rejected', why: 'nts' })),
      ...facts.unresolvable.map((u) => unusableServer({ ...u, address: null }, { kind: 'unresolvable' })),
    ],
    agreement: selection === undefined || selection.kind === 'none' ? 'none' : selection.kind === 'chosen' ? 'majority' : 'no-majority',
    intersection: selection?.kind === 'chosen' ? { ...selection.intersection } : null,
    selected: chosen ? displayServer(chosen.server) : null,
    outcome: outcome?.kind ?? null,
    action: actionOf(facts),
    method: correction?.method ?? null,
    offset: correction?.offset ?? chosen?.estimate.offset ?? null,
    maxOffset: facts.maxOffset ?? null,
    frequency: facts.frequency ? { ...facts.frequency } : null,
    exitCode: facts.exitCode,
    error: facts.error ?? null,
  }
}

/** What was done to the clock: `query` for a read-only run that selected a server. */
function actionOf({ outcome, clockChanged }: RunFacts): RunSummary['action'] {
  if (outcome?.kind === 'report' || outcome?.kind === 'check-failed') return 'query'
  if (outcome?.kind === 'set' && clockChanged) return outcome.method
  return 'none'
}

/** A kiss carries no time: a kissed server has no offset, delay or root distance, and no header of a reply. */
function jsonServer(verdict: ServerVerdict, observation: ServerObservation | undefined, auth: Authentication | undefined): ServerSummary {
  const { server } = verdict
  const candidate = candidateOf(verdict)
  const shown = candidate?.best ?? (verdict.kind === 'rejected' ? verdict.last : undefined)
  const packet = shown?.packet
  const { status, reason } = explainVerdict(verdict)
  return {
    name: server.name,
    address: server.address,
    port: server.port,
    stratum: shown?.stratum ?? null,
    leap: packet?.leap ?? null,
    refid: shown ? refidOf(shown) : null,
    rootDelay: packet?.rootDelay ?? null,
    rootDispersion: packet?.rootDispersion ?? null,
    rootDistance: candidate?.rootDistance ?? (verdict.kind === 'rejected' ? verdict.rootDistance : null),
    offset: candidate?.estimate.offset ?? shown?.offset ?? null,
    delay: shown?.delay ?? null,
    samples: (observation?.replies ?? []).map(jsonSample),
    kisses: (observation?.kisses ?? []).map((k) => k.code),
    status,
    reason,
    rateLimited: observation?.kisses.some((k) => k.action === 'rate-limit') ?? false,
    authentication: auth && observation && observation.replies.length + observation.kisses.length > 0 ? { ...auth } : null,
  }
}

function unusableServer({ name, address, port, reason }: NtsFailure, status: ServerStatus): ServerSummary {
  return {
    name,
    address,
    port,
    stratum: null,
    leap: null,
    refid: null,
    rootDelay: null,
    rootDispersion: null,
    rootDistance: null,
    offset: null,
    delay: null,
    samples: [],
    kisses: [],
    status,
    reason,
    rateLimited: false,
    authentication: null,
  }
}

function jsonSample(sample: Sample): JsonSample {
  return {
    offset: sample.offset,
    delay: sample.delay,
    dispersion: sample.dispersion,
    rootDistance: sample.rootDistance,
    stratum: sample.stratum,
    leap: sample.packet.leap,
    refid: refidOf(sample),
    sentAt: unixSeconds(sample.sentAtNanos),
    receivedAt: unixSeconds(sample.receivedAtNanos),
  }
}

function refidOf(sample: Sample): string {
  return displayReferenceId(sample.packet.referenceId, sample.stratum)
}

/** Whole seconds and the fraction apart, so the nanoseconds survive as far as a double allows. */
function unixSeconds(nanos: bigint): number {
  return Number(nanos / 1_000_000_000n) + Number(nanos % 1_000_000_000n) / 1e9
}
