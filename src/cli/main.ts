/** The program: argv in, exit status out. Every effect goes through `deps`. */
import { decide, type Outcome } from '../decide/decide.js'
import { chooseDefaultServers, type DefaultServers, type DefaultServerTexts } from '../config/default-servers.js'
import { CheckFailedError, ClockNotSetError, DaemonRunningError, InterruptedError, NoServerError, UsageError, type InterruptSignal, errorText } from '../errors.js'
import { ExitCode, exitCodeFor } from '../exit-codes.js'
import { failureLine, frequencyLine, NO_RIGHT_TO_SET_LINE, rateLimitLine, resultLine, serverLine } from '../report/format.js'
import type { ClockReader, ClockSetter, OpenLogger, OpenSocket, RandomBytes, Resolve } from '../io/ports.js'
import { queryServers, type QueryEvent } from '../network/query.js'
import { selectServer } from '../select/select.js'
import { candidateOf, type Selection } from '../select/verdict.js'
import { resolveServers } from '../network/resolve-servers.js'
import { parseServerSpec, type ServerSpec } from '../config/server.js'
import { displayServer } from '../ntp/endpoint.js'
import type { RunningDaemon } from '../decide/time-daemon.js'
import type { SyncMark } from '../decide/sync-mark.js'
import { DEFAULT_KEY_FILE, parseArgs } from './args.js'
import { loadAuth, type KeySources } from '../run/load-auth.js'
import { symmetricRequestAuth } from '../auth/symmetric.js'
import { loadNts, type NtsSources } from '../run/load-nts.js'
import { finishNts, prepareNts } from '../network/nts-run.js'
import type { Server } from '../ntp/endpoint.js'
import { NTS_KE_PORT } from '../config/nts-defaults.js'
import { RELEASED_AT_SECONDS } from './version.js'
import type { DriftSources } from '../io/drift-system.js'
import { startDriftRun } from '../run/drift-run.js'
import type { FrequencyPlan } from '../drift/frequency.js'
import { helpText } from './option-table.js'
import { createOutput, type Output } from './output.js'
import { startRunReport, type RunReport } from './run-report.js'
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

export interface MainDeps {
  version: string
  pid: number
  stdout: (line: string) => void
  stderr: (line: string) => void
  /** wall-clock time for the line prefix and the metrics' last-run time (never for NTP timestamps) */
  localTime: () => Date
  loadSystem: () => Promise<System>
  /** the files the server list comes from when none is named */
  defaultServerTexts?: () => DefaultServerTexts
  /** opens syslog(3) or a remote syslog server; needed only with -s or --syslog-server */
  openLogger?: OpenLogger
  /** replaces a file's content atomically (--metrics-file) */
  writeFileAtomically?: (path: string, text: string) => Promise<void>
  /** SIGINT, SIGTERM and SIGHUP, as they arrive; absent: the run cannot be interrupted */
  interruption?: Interruption
}

/** A signal that ends the run: the report is still published, and the clock is then never set. */
export interface Interruption {
  /** resolves with the first such signal */
  arrived: Promise<InterruptSignal>
  /** the signal that arrived, if one did */
  signal(): InterruptSignal | undefined
}

export async function main(argv: readonly string[], deps: MainDeps): Promise<ExitCode> {
  const report = startRunReport(argv, deps)
  const output = createOutput(report.terminal)
  try {
    const running = run(argv, deps, output, report)
    if (!deps.interruption) return report.finished(await running)
    running.catch(() => {}) // after a signal it is left to end on its own, and never sets the clock
    const interrupted = deps.interruption.arrived.then((signal) => Promise.reject(new InterruptedError(signal)))
    return report.finished(await Promise.race([running, interrupted]))
  } catch (error) {
    const known = exitCodeFor(error)
    const message = error instanceof Error ? error.message : String(error)
    if (known === ExitCode.Usage) output.usage(message)
    else output.error(known === ExitCode.Internal ? `internal error: ${message}` : message)
    return report.finished(known, known === ExitCode.Internal ? `internal error: ${message}` : message)
  } finally {
    await report.publish(output)
    await output.close()
  }
}

async function run(argv: readonly string[], deps: MainDeps, output: Output, report: RunReport): Promise<ExitCode> {
  const options = parseArgs(argv)
  report.parsed(options)
  if (options.help) {
    deps.stdout(helpText(deps.version))
    return ExitCode.Ok
  }
  await output.open(options, deps.openLogger)
  if (options.showVersion) {
    output.version(`tsntpdate ${deps.version}`)
    if (options.defaultServers) return ExitCode.Ok
  }
  const warn = output.error
  const fallback = options.defaultServers ? defaultServers(deps, warn) : undefined
  const defaultPort = options.nts ? NTS_KE_PORT : undefined
  const specs = fallback ? fallback.servers.map((text) => toSpec(text, defaultPort, fallback.from)) : options.servers.map((text) => toSpec(text, defaultPort))
  const system = await deps.loadSystem()
  // as classic ntpdate, -k alone changes nothing; unlike it, that is said
  if (options.keyId === undefined && options.keyFile !== undefined) warn(`-k ${options.keyFile} without -a KEYID: nothing is authenticated`)
  const auth = options.keyId === undefined ? undefined : symmetricRequestAuth(await loadAuth(options.keyId, options.keyFile ?? DEFAULT_KEY_FILE, system.keys, warn))
  if (auth) report.authenticating(() => auth.description)
  const nts = options.nts ? { sources: await system.nts() } : undefined
  const ntsReady = nts && loadNts(options.ntsCa, options.ntsCache, nts.sources, warn)
  const readOnly = options.query || options.debug
  // A run that is to set the clock and may not would only find that out after querying.
  if (!readOnly && !system.canSetClock()) throw new ClockNotSetError(NO_RIGHT_TO_SET_LINE)

  const debug = options.debug ? output.print : undefined
  if (fallback) debug?.(`no server named: using ${fallback.servers.join(' ')} (from ${fallback.from})`)
  const ignored = new Map<string, number>()
  const onEvent = (event: QueryEvent) => {
    if (event.kind === 'ignored') ignored.set(event.reason.kind, (ignored.get(event.reason.kind) ?? 0) + 1)
    debug?.(traceEvent(event))
  }
  const queryDeps = { clock: system.clock, openSocket: system.openSocket, randomBytes: system.randomBytes, onEvent }
  const ntsRun = nts && ntsReady && {
    settings: { ...options, trustedCas: ntsReady.trustedCas, releasedAtSeconds: RELEASED_AT_SECONDS },
    deps: { ...queryDeps, ...nts.sources, resolve: system.resolve, cache: ntsReady.cache, warn, debug },
  }
  // the servers to query and how each one's requests are protected: plain, -a, or --nts's sessions
  const ntsPrepared = ntsRun && (await prepareNts(specs, ntsRun.settings, ntsRun.deps))
  const prepared = ntsPrepared || {
    servers: await resolveServers(specs, options.family, system.resolve, warn, debug, report.unresolved, options.timeoutSeconds),
    authFor: auth && ((_: Server) => auth),
  }
  // the one query, whatever prepared the servers
  let observations = await queryServers(prepared.servers, { ...options, ...(prepared.authFor && { authFor: prepared.authFor }) }, queryDeps)
  if (ntsRun && ntsPrepared) {
    const outcome = await finishNts(ntsPrepared, observations, ntsRun.settings, ntsRun.deps)
    outcome.failures.forEach(report.ntsFailed)
    report.authenticating(outcome.authenticationOf)
    if (outcome.observations.length === 0) throw new NoServerError('no servers can be used, exiting: NTS failed for every server')
    observations = outcome.observations
  }
  const selection = selectServer(observations, system.clock.nowNanos())
  report.selected(observations, selection)
  const drift = options.driftFile === undefined ? undefined : startDriftRun(options.driftFile, selection, auth !== undefined || nts !== undefined, system, { warn, debug, report })
  if (options.debug) selection.verdicts.forEach((v) => output.print(traceVerdict(v)))
  if (readOnly) printServerLines(selection, output.print)
  const ignoredLine = traceIgnored(ignored)
  if (ignoredLine) debug?.(ignoredLine)
  for (const o of observations) if (o.kisses.some((k) => k.action === 'rate-limit')) warn(rateLimitLine(o.server.address))

  // asked once, before the set (after it, tsntpdate's own mark would hide a daemon only the kernel
  // shows); --force sets the clock past a daemon, never its frequency
  const daemon = readOnly || (options.force && !drift?.plan) ? undefined : system.timeDaemon()
  const outcome = decide(selection, { ...options, readOnly, markSync: options.syncMark }, { daemon, frequency: drift?.plan })
  report.decided(outcome)
  let changed = false
  let kernelPpmAfter: number | undefined
  const setting = {
    before() {
      // Nothing awaits between this check and the set, and the set is one system call: a signal
      // handled before it prevents the set, and one that comes later finds it done.
      const signal = deps.interruption?.signal()
      if (signal) throw new InterruptedError(signal)
    },
    // at once: the drift record must say the clock moved even if what follows the set fails
    after: () => void (changed = true),
    frequencySet: (ppm: number) => void (kernelPpmAfter = ppm),
  }
  try {
    return carryOut(outcome, system, output, setting, report)
  } finally {
    drift?.finish(outcome, changed, kernelPpmAfter)
  }
}

interface Setting {
  before(): void
  after(): void
  frequencySet(kernelPpm: number): void
}

/** The only place an outcome is acted on: the clock, the kernel's mark and its frequency. */
function carryOut(outcome: Outcome, system: Pick<System, 'clock' | 'markSynchronised' | 'drift'>, output: Output, setting: Setting, report: RunReport): ExitCode {
  const { clock } = system
  switch (outcome.kind) {
    case 'no-server':
    case 'no-majority':
      throw new NoServerError(failureLine(outcome))
    case 'beyond-max-step':
      throw new ClockNotSetError(failureLine(outcome))
    case 'daemon-keeps-clock':
      throw new DaemonRunningError(failureLine(outcome))
    case 'check-failed':
      output.notice(resultLine(outcome))
      throw new CheckFailedError(failureLine(outcome))
    case 'report':
      output.notice(resultLine(outcome))
      return ExitCode.Ok
    case 'set':
      setting.before()
      if (outcome.method === 'step') clock.step(outcome.offset)
      else clock.slew(outcome.offset)
      setting.after()
      report.clockChanged()
      output.notice(resultLine(outcome))
      if (outcome.mark) {
        const problem = system.markSynchronised(outcome.mark)
        if (problem) output.error(`the clock is set, but the kernel was not told it is synchronised: ${problem}`)
      }
      if (outcome.frequency) setting.frequencySet(setFrequency(outcome.frequency, system.drift, output, report))
      return ExitCode.Ok
  }
}

/** Sets the kernel's frequency as planned; returns what it then is (a refusal is one warning: the set stands). */
function setFrequency(plan: FrequencyPlan, drift: DriftSources, output: Output, report: RunReport): number {
  try {
    const now = drift.setKernelPpm(plan.kernelPpm)
    report.frequencySet(now)
    output.notice(frequencyLine(plan, now))
    return now
  } catch (error) {
    output.error(`the clock is set, but its frequency was not: ${errorText(error)}`)
    return drift.kernelPpm() ?? plan.fromPpm
  }
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

/** The servers of the defaults file or step-tickers; a defaults file outside its subset, or none configured, is a usage error. */
function defaultServers(deps: MainDeps, warn: (line: string) => void): DefaultServers {
  const texts = deps.defaultServerTexts?.() ?? {}
  texts.warnings?.forEach(warn)
  const chosen = chooseDefaultServers(texts)
  if ('error' in chosen) throw new UsageError(chosen.error)
  return chosen
}

/** `from`: where a server not named on the command line came from (NTPSERVERS, step-tickers) */
function toSpec(text: string, defaultPort: number | undefined, from?: string): ServerSpec {
  const spec = parseServerSpec(text, defaultPort)
  if ('error' in spec) throw new UsageError(from ? `${from}: ${spec.error}` : spec.error)
  return spec
}
