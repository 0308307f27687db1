/** The program: argv in, exit status out. Every effect goes through `deps`. */
import { maxOffsetExcess } from '../decide/check-offset.js'
import { decide, type Plan } from '../decide/decide.js'
import { chooseDefaultServers, type DefaultServers, type DefaultServerTexts } from '../config/default-servers.js'
import { CheckFailedError, ClockNotSetError, DaemonRunningError, InterruptedError, NoServerError, UsageError, type InterruptSignal } from '../errors.js'
import { ExitCode, exitCodeFor } from '../exit-codes.js'
import { formatOffset, noMajorityLine, rateLimitLine, resultLine, serverLine } from '../report/format.js'
import type { ClockReader, ClockSetter, OpenLogger, OpenSocket, RandomBytes, Resolve } from '../io/ports.js'
import { queryServers, type QueryEvent } from '../network/query.js'
import { selectServer, type Selection } from '../select/select.js'
import { resolveServers } from '../network/resolve-servers.js'
import { displayServer, parseServerSpec, type ServerSpec } from '../config/server.js'
import { daemonRefusal, type RunningDaemon } from '../decide/time-daemon.js'
import { parseArgs } from './args.js'
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
}

export interface MainDeps {
  version: string
  pid: number
  stdout: (line: string) => void
  stderr: (line: string) => void
  /** wall-clock time for the line prefix and the metrics' last-run time (never for NTP timestamps) */
  localTime: () => Date
  loadSystem: () => Promise<System>
  /** the files the server list comes from when none is named; absent, pool.ntp.org is used */
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
  const say = output.notice
  const warn = output.error
  const fallback = options.defaultServers ? defaultServers(deps, warn) : undefined
  const specs = fallback ? fallback.servers.map((text) => toSpec(text, fallback.from)) : options.servers.map((text) => toSpec(text))
  const system = await deps.loadSystem()

  const debug = options.debug ? output.print : undefined
  if (fallback) debug?.(`no server named: using ${fallback.servers.join(' ')} (from ${fallback.from})`)
  const servers = await resolveServers(specs, options.family, system.resolve, warn, debug, report.unresolved, options.timeoutSeconds)
  const ignored = new Map<string, number>()
  const onEvent = (event: QueryEvent) => {
    if (event.kind === 'ignored') ignored.set(event.reject.kind, (ignored.get(event.reject.kind) ?? 0) + 1)
    debug?.(traceEvent(event))
  }
  const observations = await queryServers(servers, options, {
    clock: system.clock,
    openSocket: system.openSocket,
    randomBytes: system.randomBytes,
    onEvent,
  })
  const selection = selectServer(observations, system.clock.nowNanos())
  report.selected(observations, selection)
  if (options.query || options.debug) printServers(selection, options.debug, output.print)
  const ignoredLine = traceIgnored(ignored)
  if (ignoredLine) debug?.(ignoredLine)
  for (const v of selection.verdicts) if (v.rateLimited) warn(rateLimitLine(v.server.address))
  const chosen = selection.chosen
  if (selection.agreement.kind === 'no-majority') throw new NoServerError(noMajorityLine(votersOf(selection)))
  if (!chosen?.estimate) throw new NoServerError('no server suitable for synchronization found')

  const plan = decide(chosen.estimate.offset, { ...options, readOnly: options.query || options.debug })
  report.planned(plan)
  const daemon = plan.action === 'set' && !options.force ? system.timeDaemon() : undefined
  if (daemon) throw new DaemonRunningError(daemonRefusal(plan.method, daemon))
  // Nothing awaits between this check and the set, and the set is one system call: a signal
  // handled before it prevents the set, and one that comes later finds it done.
  const signal = deps.interruption?.signal()
  if (signal) throw new InterruptedError(signal)
  carryOut(plan, system.clock)
  if (plan.action === 'set') report.clockChanged()
  say(resultLine(plan.method, displayServer(chosen.server), plan.offset))
  const excess = options.maxOffsetSeconds === undefined ? undefined : maxOffsetExcess(plan.offset, options.maxOffsetSeconds)
  if (excess) throw new CheckFailedError(excess)
  return ExitCode.Ok
}

/** With -d, every server's verdict; with -q or -d, classic's line for every server that answered with a time. */
function printServers(selection: Selection, debug: boolean, print: (line: string) => void): void {
  if (debug) selection.verdicts.forEach((v) => print(traceVerdict(v, selection)))
  for (const { server, best, estimate, status } of selection.verdicts) {
    // a kiss carries no time worth printing (it may have none at all)
    if (best && estimate && status.kind !== 'kod') print(serverLine(displayServer(server), best.stratum, estimate.offset, best.delay))
  }
}

/** The servers that took part in a vote that found no majority. */
function votersOf(selection: Selection): { server: string; offset: number; rootDistance: number }[] {
  return selection.verdicts
    .filter((v) => v.status.kind === 'truechimer')
    .map((v) => ({ server: displayServer(v.server), offset: v.estimate!.offset, rootDistance: v.rootDistance! }))
}

/** The only place the clock is changed. */
function carryOut(plan: Plan, clock: ClockSetter): void {
  switch (plan.action) {
    case 'report':
      return
    case 'refuse':
      throw new ClockNotSetError(
        `refusing to ${plan.method} the clock by ${formatOffset(plan.offset)} s, ` +
          `more than --max-step ${plan.limit} s; clock left untouched`,
      )
    case 'set':
      return plan.method === 'step' ? clock.step(plan.offset) : clock.slew(plan.offset)
  }
}

/** The servers of the defaults file, step-tickers or the built-in one; a defaults file outside its subset is a usage error. */
function defaultServers(deps: MainDeps, warn: (line: string) => void): DefaultServers {
  const texts = deps.defaultServerTexts?.() ?? {}
  texts.warnings?.forEach(warn)
  const chosen = chooseDefaultServers(texts)
  if ('error' in chosen) throw new UsageError(chosen.error)
  return chosen
}

/** `from`: where a server not named on the command line came from (NTPSERVERS, step-tickers) */
function toSpec(text: string, from?: string): ServerSpec {
  const spec = parseServerSpec(text)
  if ('error' in spec) throw new UsageError(from ? `${from}: ${spec.error}` : spec.error)
  return spec
}
