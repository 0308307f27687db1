/**
 * The --json document: what a run found and did, as one stable object (schema in README, --json).
 * Seconds are numbers; what is not known is null, never absent. Pure.
 */
import type { Plan } from '../decide/decide.js'
import { missedIntervalText } from './format.js'
import { displayReferenceId } from '../ntp/refid.js'
import { describeReject } from '../ntp/reject.js'
import type { Sample } from '../ntp/sample.js'
import type { Selection, ServerObservation, ServerVerdict } from '../select/select.js'
import { displayServer } from '../config/server.js'

export const JSON_STATUSES = ['selected', 'truechimer', 'falseticker', 'kod', 'no-reply', 'unresolvable', 'rejected'] as const
/** The part of a status before the ':' (`kod:RATE` → `kod`). */
export type BaseStatus = (typeof JSON_STATUSES)[number]

/** A name the resolver could not turn into any address (of the asked family). */
export interface UnresolvedName {
  name: string
  port: number
  reason: string
}

/** Everything the document is built from; filled in as the run goes, so a failed run has a part. */
export interface RunFacts {
  version: string
  unresolvable: readonly UnresolvedName[]
  /** what selectServer was given, in the order of selection.verdicts */
  observations: readonly ServerObservation[] | undefined
  selection: Selection | undefined
  plan: Plan | undefined
  /** the plan's clock change was carried out */
  clockChanged: boolean
  maxOffset: number | undefined
  exitCode: number
  /** the one-line message of a failed run */
  error: string | undefined
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

export interface JsonServer {
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
  samples: JsonSample[]
  /** selected, truechimer, falseticker, kod:CODE, no-reply, unresolvable, rejected:REASON */
  status: string
  reason: string | null
  rateLimited: boolean
}

export interface JsonReport {
  version: string
  servers: JsonServer[]
  agreement: 'majority' | 'no-majority' | 'none'
  intersection: { low: number; high: number } | null
  selected: string | null
  action: 'query' | 'step' | 'slew' | 'none'
  method: 'step' | 'slew' | null
  offset: number | null
  maxOffset: number | null
  exitCode: number
  error: string | null
}

export function buildJsonReport(facts: RunFacts): JsonReport {
  const selection = facts.selection
  const agreement = selection?.agreement
  return {
    version: facts.version,
    servers: [
      ...(selection?.verdicts.map((v, i) => jsonServer(v, facts.observations?.[i]?.samples ?? [], selection)) ?? []),
      ...facts.unresolvable.map(unresolvedServer),
    ],
    agreement: agreement?.kind ?? 'none',
    intersection: agreement?.kind === 'majority' ? { ...agreement.intersection } : null,
    selected: selection?.chosen ? displayServer(selection.chosen.server) : null,
    action: actionOf(facts),
    method: facts.plan?.method ?? null,
    offset: facts.plan?.offset ?? selection?.chosen?.estimate?.offset ?? null,
    maxOffset: facts.maxOffset ?? null,
    exitCode: facts.exitCode,
    error: facts.error ?? null,
  }
}

/** `kod:RATE`, `rejected:bad-stratum`, `selected`, … */
export function statusOf(verdict: ServerVerdict): string {
  const status = verdict.status
  switch (status.kind) {
    case 'kod':
      return `kod:${status.code}`
    case 'rejected':
      return `rejected:${status.reason.kind}`
    default:
      return status.kind
  }
}

export function baseStatus(status: string): BaseStatus {
  return status.split(':')[0] as BaseStatus
}

/** What was done to the clock: `query` for a read-only run that selected a server. */
function actionOf({ plan, clockChanged }: RunFacts): JsonReport['action'] {
  if (plan?.action === 'report') return 'query'
  if (plan?.action === 'set' && clockChanged) return plan.method
  return 'none'
}

function jsonServer(verdict: ServerVerdict, samples: readonly Sample[], selection: Selection): JsonServer {
  const { server, best } = verdict
  const packet = best?.packet
  // a kiss carries no time worth reporting; its sample stays in samples[]
  const measured = best && verdict.status.kind !== 'kod' ? best : undefined
  return {
    name: server.name,
    address: server.address,
    port: server.port,
    stratum: best?.stratum ?? null,
    leap: packet?.leap ?? null,
    refid: best ? refidOf(best) : null,
    rootDelay: packet?.rootDelay ?? null,
    rootDispersion: packet?.rootDispersion ?? null,
    rootDistance: measured ? verdict.rootDistance ?? null : null,
    offset: measured ? verdict.estimate?.offset ?? null : null,
    delay: measured?.delay ?? null,
    samples: samples.map(jsonSample),
    status: statusOf(verdict),
    reason: reasonOf(verdict, selection),
    rateLimited: verdict.rateLimited,
  }
}

function unresolvedServer({ name, port, reason }: UnresolvedName): JsonServer {
  return {
    name,
    address: null,
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
    status: 'unresolvable',
    reason,
    rateLimited: false,
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

function reasonOf(verdict: ServerVerdict, selection: Selection): string | null {
  const rate = verdict.rateLimited && verdict.status.kind !== 'kod' ? '; it sent RATE, so no more requests were sent' : ''
  const because = (text: string) => text + rate
  const best = verdict.best
  switch (verdict.status.kind) {
    case 'selected':
      return because('lowest delay among the truechimers')
    case 'truechimer': {
      const chosen = selection.chosen?.best
      if (!chosen) return because('no majority of the servers agrees, so none was selected')
      return because(
        chosen.delay < best!.delay
          ? `not selected: delay ${best!.delay.toFixed(6)} s is above the selected server's ${chosen.delay.toFixed(6)} s`
          : 'not selected: same delay as the selected server, higher stratum',
      )
    }
    case 'falseticker':
      return because(missedIntervalText(verdict.estimate!.offset, verdict.rootDistance!, selection.agreement))
    case 'kod':
      return `kiss-o'-death ${verdict.status.code}: no more requests were sent`
    case 'no-reply':
      return 'no reply within the timeout'
    case 'rejected':
      return because(describeReject(verdict.status.reason))
  }
}
