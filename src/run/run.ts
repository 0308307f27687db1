/**
 * A run, one step after another: the servers prepared (plain, -a or --nts, one way), the one query,
 * NTS's step after it, the selection, the drift file's estimate, the one decision, and carrying it
 * out (carry-out.ts). What it finds goes into one value (RunFindings), from which the JSON document
 * and the metrics are written.
 */
import { decide } from '../decide/decide.js'
import { ClockNotSetError, NoServerError, type InterruptSignal } from '../errors.js'
import type { ExitCode } from '../exit-codes.js'
import { NO_RIGHT_TO_SET_LINE, rateLimitLine, serverLine } from '../report/format.js'
import type { ClockReader, ClockSetter, DriftSources, KeySources, NtsSources, OpenSocket, RandomBytes, Resolve } from '../ports.js'
import { queryServers, type QueryEvent } from '../network/query.js'
import { noneResolvedLine, resolveServers } from '../network/resolve-servers.js'
import { finishNts, prepareNts, type NtsDeps, type NtsSettings } from '../network/nts-run.js'
import { selectServer } from '../select/select.js'
import { candidateOf, type Selection } from '../select/verdict.js'
import { displayServer } from '../ntp/endpoint.js'
import type { RunningDaemon } from '../host/time-daemon.js'
import type { SyncMark } from '../host/sync-mark.js'
import { symmetricRequestAuth } from '../auth/symmetric.js'
import type { RequestAuth } from '../auth/authentication.js'
import type { DefaultServerTexts } from '../config/default-servers.js'
import type { ServerSpec } from '../config/server.js'
import { DEFAULT_KEY_FILE, type Options } from '../config/options.js'
import { noFindings, type RunFindings } from '../report/json.js'
import { RELEASED_AT_SECONDS } from '../config/release.js'
import { loadAuth } from './load-auth.js'
import { loadNts } from './load-nts.js'
import { startDriftRun } from './drift-run.js'
import { carryOut } from './carry-out.js'
import { serverSpecs, type PreparedServers } from './servers.js'
import { traceEvent, traceIgnored, traceVerdict } from './trace.js'

/** What a run needs of the system, loaded only once argv says a run is wanted. */
export interface System {
  clock: ClockReader & ClockSetter
  resolve: Resolve
  openSocket: OpenSocket
  randomBytes: RandomBytes
  /** the time daemon that keeps the clock, if any; asked only right before setting it */
  timeDaemon: () => RunningDaemon | undefined
  /** whether this process may set the clock (CAP_SYS_TIME) */
  canSetClock: () => boolean
  /** after a set: tells the kernel the clock is synchronised, and records that; a problem in words, or undefined */
  markSynchronised: (mark: SyncMark) => string | undefined
  /** -a, -k: the key file and the digests */
  keys: KeySources
  /** --nts: TLS, AES-SIV, the CAs and the cookie cache; loaded only with --nts */
  nts: () => Promise<NtsSources>
  /** --drift-file: the file, clocks a set does not move, the kernel's frequency */
  drift: DriftSources
}

export interface RunDeps {
  loadSystem: () => Promise<System>
  /** the files the server list comes from when none is named */
  defaultServerTexts?: () => DefaultServerTexts
  /** the signal that arrived, if one did: the clock is then never set */
  interrupted?: () => InterruptSignal | undefined
}

/** Where the run's lines go (cli/output.ts routes them to the terminal and syslog). */
export interface RunLines {
  /** a result */
  notice(message: string): void
  /** a warning or an error */
  error(message: string): void
  /** a -q server line or a -d trace line */
  print(line: string): void
}

/** `found` fills in as the run goes; `ended` settles with the exit status, or rejects with the error that ended it. */
export interface Run {
  found: RunFindings
  ended: Promise<ExitCode>
}

export function startRun(options: Options, deps: RunDeps, lines: RunLines): Run {
  const found = noFindings()
  return { found, ended: run(options, deps, lines, found) }
}

async function run(options: Options, deps: RunDeps, lines: RunLines, found: RunFindings): Promise<ExitCode> {
  const warn = lines.error
  const debug = options.debug ? lines.print : undefined
  const specs = serverSpecs(options, deps.defaultServerTexts ?? (() => ({})), warn, debug)
  const system = await deps.loadSystem()
  const protection = await loadProtection(options, system, warn)
  const readOnly = options.query || options.debug
  // A run that is to set the clock and may not would only find that out after querying.
  if (!readOnly && !system.canSetClock()) throw new ClockNotSetError(NO_RIGHT_TO_SET_LINE)

  const ignored = new Map<string, number>()
  const onEvent = (event: QueryEvent) => {
    if (event.kind === 'ignored') ignored.set(event.reason.kind, (ignored.get(event.reason.kind) ?? 0) + 1)
    debug?.(traceEvent(event))
  }
  const queryDeps = { clock: system.clock, openSocket: system.openSocket, randomBytes: system.randomBytes, onEvent }
  const nts = protection.nts && {
    settings: { ...options, trustedCas: protection.nts.trustedCas, releasedAtSeconds: RELEASED_AT_SECONDS } satisfies NtsSettings,
    deps: { ...queryDeps, ...protection.nts.sources, resolve: system.resolve, cache: protection.nts.cache, warn, debug } satisfies NtsDeps,
  }
  // the servers to query and how each one's requests are protected: plain, -a, or --nts's sessions
  const ntsPrepared = nts && (await prepareNts(specs, nts.settings, nts.deps))
  const prepared = ntsPrepared || (await resolvePlain(specs, options, system.resolve, protection.auth, found, { warn, debug }))
  // the one query, whatever prepared the servers
  found.observations = await queryServers(prepared.servers, { ...options, ...(prepared.authFor && { authFor: prepared.authFor }) }, queryDeps)
  if (nts && ntsPrepared) {
    const after = await finishNts(ntsPrepared, found.observations, nts.settings, nts.deps)
    found.ntsFailures = after.failures
    found.authenticationOf = after.authenticationOf
    if (after.observations.length === 0) throw new NoServerError('no servers can be used, exiting: NTS failed for every server')
    found.observations = after.observations
  }
  const selection = (found.selection = selectServer(found.observations, system.clock.nowNanos()))
  const authenticated = protection.auth !== undefined || protection.nts !== undefined
  const drift = options.driftFile === undefined ? undefined : startDriftRun(options.driftFile, selection, authenticated, system, { warn, debug })
  if (drift) found.frequency = drift.frequency
  if (options.debug) selection.verdicts.forEach((v) => lines.print(traceVerdict(v)))
  if (readOnly) printServerLines(selection, lines.print)
  const ignoredLine = traceIgnored(ignored)
  if (ignoredLine) debug?.(ignoredLine)
  for (const o of found.observations) if (o.kisses.some((k) => k.action === 'rate-limit')) warn(rateLimitLine(o.server.address))

  // asked once, before the set (after it, tsntpdate's own mark would hide a daemon only the kernel
  // shows); --force sets the clock past a daemon, never its frequency
  const daemon = readOnly || (options.force && !drift?.plan) ? undefined : system.timeDaemon()
  const outcome = (found.outcome = decide(selection, { ...options, readOnly, markSync: options.syncMark }, { daemon, frequency: drift?.plan }))
  let kernelPpmAfter: number | undefined
  try {
    return carryOut(outcome, system, lines, {
      // Nothing awaits between this check and the set, and the set is one system call: a signal
      // handled before it prevents the set, and one that comes later finds it done.
      interrupted: deps.interrupted ?? (() => undefined),
      // at once: the drift record must say the clock moved even if what follows the set fails
      changed: () => void (found.clockChanged = true),
      frequencySet: (kernelPpm, applied) => {
        kernelPpmAfter = kernelPpm
        const row = found.frequency
        if (row && applied) found.frequency = { ...row, appliedPpm: kernelPpm - row.kernelPpm, kernelPpm }
      },
    })
  } finally {
    drift?.finish(outcome, found.clockChanged, kernelPpmAfter)
  }
}

/** Plain and -a: every address of every name, each request protected by -a's key if given. */
async function resolvePlain(
  specs: readonly ServerSpec[],
  options: Options,
  resolve: Resolve,
  auth: RequestAuth | undefined,
  found: RunFindings,
  out: { warn: (line: string) => void; debug: ((line: string) => void) | undefined },
): Promise<PreparedServers> {
  const resolved = await resolveServers(specs, resolve, { family: options.family, budgetSeconds: options.timeoutSeconds }, out.warn, out.debug)
  found.unresolvable = resolved.unresolved
  if (resolved.servers.length === 0) throw new NoServerError(noneResolvedLine(resolved.unresolved))
  if (auth) found.authenticationOf = () => auth.description
  return { servers: resolved.servers, ...(auth && { authFor: () => auth }) }
}

/** -a's key, or --nts's CAs and cache: loaded before any packet is sent (their problems are usage errors). */
async function loadProtection(options: Options, system: System, warn: (line: string) => void) {
  // as classic ntpdate, -k alone changes nothing; unlike it, that is said
  if (options.keyId === undefined && options.keyFile !== undefined) warn(`-k ${options.keyFile} without -a KEYID: nothing is authenticated`)
  const auth: RequestAuth | undefined = options.keyId === undefined ? undefined : symmetricRequestAuth(await loadAuth(options.keyId, options.keyFile ?? DEFAULT_KEY_FILE, system.keys, warn))
  if (!options.nts) return { auth }
  const sources = await system.nts()
  return { auth, nts: { sources, ...loadNts(options.ntsCa, options.ntsCache, sources, warn) } }
}

/** Classic's line for every server that answered with a time (-q, -d); a kiss is not a time. */
function printServerLines(selection: Selection, print: (line: string) => void): void {
  for (const verdict of selection.verdicts) {
    const candidate = candidateOf(verdict)
    const sample = candidate?.best ?? (verdict.kind === 'rejected' ? verdict.last : undefined)
    if (!sample) continue
    print(serverLine(displayServer(verdict.server), sample.stratum, candidate?.estimate.offset ?? sample.offset, sample.delay))
  }
}
