/**
 * --nts's steps around the one query (RFC 8915). Before it, prepareNts: a session for every NTS-KE
 * server (from the cookie cache, else a key exchange), which gives the server to query and how its
 * requests are protected. After it, finishNts: one fresh key exchange and one more try for a
 * server that NAKs or whose cached session gets no answer, the wrong-clock rule's certificate
 * check at the time obtained, and the cache written back. A server for which any of it fails is
 * dropped with a one-line reason; the others still vote.
 */
import { errorText } from '../errors.js'
import type { Authentication, RequestAuth } from '../auth/authentication.js'
import type { Aead } from '../auth/nts/aead.js'
import { decodeCacheRecord, encodeCacheRecord } from '../auth/nts/cache-record.js'
import { ntsRequestAuth } from '../auth/nts/request-auth.js'
import { isFresh, type NtsSession } from '../auth/nts/session.js'
import type { ServerSpec } from '../config/server.js'
import type { CacheFiles, ChainProblem, ClockReader, KeResult, KeSettings, KeTarget, RandomBytes, Resolve, ResolvedAddress } from '../ports.js'
import { NTP_PORT, type AddressFamily, type Server } from '../ntp/endpoint.js'
import type { ServerObservation } from '../ntp/observation.js'
import type { NtsFailure } from '../report/json.js'
import { checkSuitability } from '../ntp/suitability.js'
import { lookUp, type Lookup } from './resolve-servers.js'
import { queryServers, type QueryDeps, type QuerySettings } from './query.js'

export interface NtsSettings extends Omit<QuerySettings, 'authFor'> {
  family: AddressFamily | undefined
  /** PEM text of the CAs to trust, read when a key exchange first needs them */
  trustedCas: () => Promise<string[]>
  /** the wrong-clock rule's lower bound (this release's date), Unix seconds */
  releasedAtSeconds: number
}

export interface NtsDeps extends QueryDeps {
  clock: ClockReader
  resolve: Resolve
  randomBytes: RandomBytes
  exchangeKeys: (target: KeTarget, settings: KeSettings) => Promise<KeResult>
  aead: (key: Uint8Array) => Aead
  /** the wrong-clock rule: undefined when the chain is valid for the name at that time, else why not */
  verifyChainAt: (chainPem: readonly string[], name: string, atSeconds: number, trustedCas: readonly string[]) => Promise<ChainProblem | undefined>
  /** undefined: no cache (it could not be opened: warned already) */
  cache: CacheFiles | undefined
  warn: (line: string) => void
  debug: ((line: string) => void) | undefined
}

export interface NtsOutcome {
  observations: ServerObservation[]
  failures: NtsFailure[]
  authenticationOf: (server: Server) => Authentication | undefined
}

/** One NTS-KE server's part of the run. */
export interface Entry {
  spec: ServerSpec
  session: NtsSession
  server: Server
  auth: RequestAuth
  /** the wrong-clock rule let the certificate's dates pass: checked at the time obtained */
  unverifiedDates?: { error: string; chainPem: string[] }
}

/** The servers to query, with each one's protection, and the servers already dropped (each said in one line). */
export interface NtsPrepared {
  servers: readonly Server[]
  authFor: (server: Server) => RequestAuth | undefined
  entries: readonly Entry[]
  failures: readonly NtsFailure[]
}

export async function prepareNts(specs: readonly ServerSpec[], settings: NtsSettings, deps: NtsDeps): Promise<NtsPrepared> {
  const established = await Promise.all(specs.map(async (spec) => ({ spec, result: await establish(spec, settings, deps, false) })))
  const entries: Entry[] = []
  const failures: NtsFailure[] = []
  for (const { spec, result } of established) {
    if ('failure' in result) failures.push(dropped(spec, result.address, result.failure, deps))
    else entries.push(result)
  }
  const auths = new Map(entries.map((e) => [e.server, e.auth]))
  return { servers: entries.map((e) => e.server), authFor: (server) => auths.get(server), entries, failures }
}

/** `observations`: the query's, one for each of `prepared.servers`. */
export async function finishNts(prepared: NtsPrepared, observations: readonly ServerObservation[], settings: NtsSettings, deps: NtsDeps): Promise<NtsOutcome> {
  const failures: NtsFailure[] = [...prepared.failures]
  const fail = (spec: ServerSpec, address: string | null, reason: string) => void failures.push(dropped(spec, address, reason, deps))

  // One fresh key exchange, then one more try: after a NAK (§5.7: kiss NTSN, the server no longer has
  // the keys of our cookies), and after cached keys got no authenticated answer at all (the server
  // may have moved its NTP service or changed its keys: new keys now, not a run without it)
  const observationOf = new Map(observations.map((o) => [o.server, o]))
  const tried = await Promise.all(
    prepared.entries.map(async (entry): Promise<{ entry: Entry; observation: ServerObservation; givenUp?: string } | undefined> => {
      const observation = observationOf.get(entry.server)
      if (!observation) return undefined
      const why = renewalReason(entry, observation)
      if (!why) return { entry, observation }
      deps.debug?.(`NTS ${keName(entry.spec)}: ${why}, new key exchange`)
      const again = await establish(entry.spec, settings, deps, true)
      if ('failure' in again) return { entry, observation, givenUp: `${why}, and the new key exchange failed: ${again.failure}` }
      const [retried = observation] = await query([again], settings, deps)
      const refused = retried.kisses.some((k) => k.action === 're-key')
      return { entry: again, observation: retried, ...(refused && { givenUp: 'NTS NAK: the server refused our cookies, also after a fresh key exchange' }) }
    }),
  )

  const kept: ServerObservation[] = []
  const keptEntries: Entry[] = []
  for (const result of tried) {
    if (!result) continue
    const { entry, observation } = result
    const why = result.givenUp ?? (await checkDates(entry, observation, settings, deps))
    if (why) {
      fail(entry.spec, entry.server.address, why)
      continue
    }
    // it stays in the vote (as rejected:unauthenticated or no-reply), but a sysadmin gets its line
    if (observation.replies.length === 0 && observation.kisses.length === 0) {
      const ignored = observation.unauthenticated
      deps.warn(
        `NTS server ${keName(entry.spec)}: no authenticated reply (${ignored > 0 ? `${ignored} unauthenticated ${ignored === 1 ? 'datagram' : 'datagrams'} ignored` : 'none within the timeout'})`,
      )
    }
    kept.push(observation)
    keptEntries.push(entry)
  }
  saveSessions(keptEntries, deps)
  const byServer = new Map(keptEntries.map((e) => [e.server, e.auth.description]))
  return { observations: kept, failures, authenticationOf: (server) => byServer.get(server) }
}

/** A server dropped from the run: one warning line, and its entry for --json. */
function dropped(spec: ServerSpec, address: string | null, reason: string, deps: NtsDeps): NtsFailure {
  deps.warn(`NTS server ${keName(spec)}: ${reason}`)
  return { name: spec.host, address, port: spec.port, reason }
}

function renewalReason(entry: Entry, observation: ServerObservation): string | undefined {
  if (observation.kisses.some((k) => k.action === 're-key')) return 'NTS NAK'
  const unanswered = observation.replies.length === 0 && observation.kisses.length === 0
  return unanswered && entry.session.keyExchange === 'cached' ? 'no authenticated reply with the cached keys' : undefined
}

async function query(entries: readonly Entry[], settings: NtsSettings, deps: NtsDeps): Promise<ServerObservation[]> {
  if (entries.length === 0) return []
  const auths = new Map(entries.map((e) => [e.server, e.auth]))
  return queryServers(
    entries.map((e) => e.server),
    { ...settings, authFor: (server) => auths.get(server) },
    deps,
  )
}

type Established = Entry | { failure: string; address: string | null }

/** The session for `spec`: from the cache while it has cookies and is not too old, else a key exchange. */
async function establish(spec: ServerSpec, settings: NtsSettings, deps: NtsDeps, fresh: boolean): Promise<Established> {
  const nowSeconds = Number(deps.clock.nowNanos() / 1_000_000_000n)
  const keServer = { host: spec.host, port: spec.port }
  const cached = fresh ? undefined : readCache(spec, deps, nowSeconds)
  let session: NtsSession
  let unverifiedDates: Entry['unverifiedDates']
  let keAddress: string | null = null
  if (cached) {
    session = cached
    const age = nowSeconds - cached.obtainedAt
    const when = age < 0 ? `dated ${ageText(-age)} in the future of the local clock` : `${ageText(age)} ago`
    deps.debug?.(`NTS ${keName(spec)}: ${cached.cookies.length} cookies from the cache (key exchange ${when}), no TLS`)
  } else {
    const resolved = await resolveOne(spec.host, settings, deps)
    if ('failure' in resolved) return { failure: resolved.failure, address: null }
    const exchanged = await exchangeWithAny(spec, resolved.addresses, settings, deps)
    keAddress = exchanged.address
    if ('failure' in exchanged) return exchanged
    const { result } = exchanged
    const { response } = result
    session = {
      keServer,
      ntpServer: { host: response.ntpServer ?? exchanged.address, port: response.ntpPort ?? NTP_PORT },
      aead: response.aead,
      c2sKey: result.c2sKey,
      s2cKey: result.s2cKey,
      cookies: response.cookies,
      obtainedAt: nowSeconds,
      keyExchange: 'fresh',
    }
    unverifiedDates = result.unverifiedDates
    deps.debug?.(
      `NTS-KE ${keName(spec)} (${exchanged.address}): ${response.cookies.length} cookies, AEAD ${response.aead}, NTP at ${session.ntpServer.host}:${session.ntpServer.port}` +
        (unverifiedDates ? `; certificate ${unverifiedDates.error}: the local clock is before this release, so it is checked at the time obtained` : ''),
    )
  }
  const ntpLookup = await resolveOne(session.ntpServer.host, settings, deps)
  const ntp = 'failure' in ntpLookup ? ntpLookup : (ntpLookup.addresses[0] ?? { failure: 'no address' })
  if ('failure' in ntp && cached) {
    // the cache must not hold on to a server that is gone: no cookie would be spent on it, so
    // nothing else would end the session before it expires
    const why = `the cached NTP server ${session.ntpServer.host}: ${ntp.failure}`
    deps.debug?.(`NTS ${keName(spec)}: ${why}, new key exchange`)
    const again = await establish(spec, settings, deps, true)
    return 'failure' in again ? { ...again, failure: `${why}, and the new key exchange failed: ${again.failure}` } : again
  }
  if ('failure' in ntp) return { failure: `NTP server ${session.ntpServer.host}: ${ntp.failure}`, address: keAddress }
  const server: Server = { name: spec.host, address: ntp.address, port: session.ntpServer.port, family: ntp.family }
  const auth = ntsRequestAuth(session, { c2s: deps.aead(session.c2sKey), s2c: deps.aead(session.s2cKey) }, deps.randomBytes, hostPort(server))
  return { spec, session, server, auth, ...(unverifiedDates && { unverifiedDates }) }
}

function readCache(spec: ServerSpec, deps: NtsDeps, nowSeconds: number): NtsSession | undefined {
  const read = deps.cache?.read({ host: spec.host, port: spec.port })
  if (!read || 'absent' in read) return undefined
  if ('refused' in read) {
    deps.warn(`NTS cookie cache: ${read.refused}; not used`)
    return undefined
  }
  const session = decodeCacheRecord(read.text, { host: spec.host, port: spec.port })
  if ('corrupt' in session) {
    deps.warn(`NTS cookie cache for ${keName(spec)} is corrupt (${session.corrupt}); ignored, and replaced`)
    return undefined
  }
  if (session.cookies.length === 0 || !isFresh(session, nowSeconds)) return undefined
  return session
}

/**
 * The wrong-clock rule, second half: a certificate let through on its dates only counts if the
 * time the server gave (local clock + its offset) is not before this release and lies inside
 * the validity of every certificate of the chain.
 */
async function checkDates(entry: Entry, observation: ServerObservation, settings: NtsSettings, deps: NtsDeps): Promise<string | undefined> {
  if (!entry.unverifiedDates) return undefined
  const reply = observation.replies
    .filter((s) => checkSuitability(s.packet) === null)
    .reduce<(typeof observation.replies)[number] | undefined>((best, s) => (best === undefined || s.delay < best.delay ? s : best), undefined)
  if (!reply) return `certificate ${entry.unverifiedDates.error}, and no authenticated time to check it at`
  const obtained = Number(deps.clock.nowNanos()) / 1e9 + reply.offset
  const when = new Date(obtained * 1000).toISOString()
  if (obtained < settings.releasedAtSeconds) return `certificate ${entry.unverifiedDates.error}; the time obtained, ${when}, is before this release`
  const problem = await deps.verifyChainAt(entry.unverifiedDates.chainPem, entry.spec.host, obtained, await settings.trustedCas())
  if (problem && 'invalid' in problem) return `certificate not valid at the time obtained, ${when}: ${problem.invalid}`
  if (problem) return `cannot check the certificate at the time obtained, ${when}: ${problem.unchecked}`
  deps.debug?.(`NTS ${keName(entry.spec)}: certificate valid at the time obtained, ${when}`)
  return undefined
}

/** What is left of each session, written back; a cache that cannot be written is one warning. */
function saveSessions(entries: readonly Entry[], deps: NtsDeps): void {
  const cache = deps.cache
  if (!cache) return
  const problems: string[] = []
  for (const { spec, session } of entries) {
    try {
      cache.write(session.keServer, encodeCacheRecord(session))
      deps.debug?.(`NTS ${keName(spec)}: ${session.cookies.length} cookies kept for the next run`)
    } catch (error) {
      problems.push(`${keName(spec)}: ${errorText(error)}`)
    }
  }
  if (problems.length > 0) deps.warn(`NTS cookie cache not written (${problems.join('; ')}); the next run makes a fresh key exchange`)
}

async function resolveOne(host: string, settings: NtsSettings, deps: NtsDeps): Promise<Lookup> {
  const [found = { failure: 'no answer' }] = await lookUp([host], deps.resolve, { family: settings.family, budgetSeconds: settings.timeoutSeconds, ...(deps.timers && { timers: deps.timers }) })
  return 'failure' in found ? { failure: `cannot resolve ${host}: ${found.failure}` } : found
}

/**
 * A key exchange with each address of the name in turn until one completes, all of them within
 * the run's -t (a multi-homed server whose first address is down still serves).
 */
async function exchangeWithAny(
  spec: ServerSpec,
  addresses: readonly ResolvedAddress[],
  settings: NtsSettings,
  deps: NtsDeps,
): Promise<{ result: KeResult; address: string } | { failure: string; address: string | null }> {
  const deadline = deps.clock.nowNanos() + BigInt(Math.round(settings.timeoutSeconds * 1e9))
  let last: { failure: string; address: string | null } = { failure: 'no address', address: null }
  for (const [i, { address }] of addresses.entries()) {
    // the first gets all of -t; the next ones what is left, to the millisecond
    const leftSeconds = i === 0 ? settings.timeoutSeconds : Math.floor(Number(deadline - deps.clock.nowNanos()) / 1e6) / 1e3
    if (leftSeconds <= 0) break
    try {
      const result = await deps.exchangeKeys(
        { address, port: spec.port, name: spec.host },
        {
          trustedCas: await settings.trustedCas(),
          timeoutSeconds: leftSeconds,
          ...(settings.sourceAddress !== undefined && { localAddress: settings.sourceAddress }),
          overlookDates: Number(deps.clock.nowNanos() / 1_000_000_000n) < settings.releasedAtSeconds,
        },
      )
      return { result, address }
    } catch (error) {
      last = { failure: errorText(error), address }
      if (addresses.length > 1) deps.debug?.(`NTS-KE ${keName(spec)} (${address}): ${last.failure}`)
    }
  }
  return last
}

function keName(spec: ServerSpec): string {
  return spec.host.includes(':') ? `[${spec.host}]:${spec.port}` : `${spec.host}:${spec.port}`
}

/** `ADDR:PORT`, `[ADDR]:PORT`: where NTP went, as --json shows it. */
function hostPort(server: Server): string {
  return server.family === 6 ? `[${server.address}]:${server.port}` : `${server.address}:${server.port}`
}

function ageText(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`
  return `${Math.round(seconds / 86_400)} days`
}
