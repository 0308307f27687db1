/** The program: argv in, exit status out. Every effect goes through `deps`. */
import { decide, type Plan } from '../decide.js'
import { chooseDefaultServers, type DefaultServerTexts } from '../default-servers.js'
import { ClockNotSetError, NoServerError, UsageError } from '../errors.js'
import { ExitCode, exitCodeFor } from '../exit-codes.js'
import { formatOffset, linePrefix, noMajorityLine, rateLimitLine, resultLine, serverLine } from '../format.js'
import type { ClockReader, ClockSetter, OpenSocket, RandomBytes, Resolve } from '../ports.js'
import { queryServers, type QueryEvent } from '../query.js'
import { selectServer, type Selection } from '../select.js'
import { resolveServers } from '../resolve-servers.js'
import { displayServer, parseServerSpec, type ServerSpec } from '../server.js'
import { parseArgs } from './args.js'
import { helpText } from './option-table.js'
import { traceEvent, traceIgnored, traceVerdict } from './trace.js'

/** What a run needs of the system, loaded only once argv says a run is wanted. */
export interface System {
  clock: ClockReader & ClockSetter
  resolve: Resolve
  openSocket: OpenSocket
  randomBytes: RandomBytes
}

export interface MainDeps {
  version: string
  pid: number
  stdout: (line: string) => void
  stderr: (line: string) => void
  /** wall-clock time for the line prefix only (never for NTP timestamps) */
  localTime: () => Date
  loadSystem: () => Promise<System>
  /** the files the server list comes from when none is named; absent, pool.ntp.org is used */
  defaultServerTexts?: () => DefaultServerTexts
}

export async function main(argv: readonly string[], deps: MainDeps): Promise<ExitCode> {
  try {
    return await run(argv, deps)
  } catch (error) {
    const known = exitCodeFor(error)
    const message = error instanceof Error ? error.message : String(error)
    deps.stderr(linePrefix(deps.localTime(), deps.pid) + (known === ExitCode.Internal ? `internal error: ${message}` : message))
    return known
  }
}

async function run(argv: readonly string[], deps: MainDeps): Promise<ExitCode> {
  const options = parseArgs(argv)
  if (options.help) {
    deps.stdout(helpText(deps.version))
    return ExitCode.Ok
  }
  if (options.showVersion) {
    deps.stdout(`tsntpdate ${deps.version}`)
    if (options.defaultServers) return ExitCode.Ok
  }
  const fallback = options.defaultServers ? chooseDefaultServers(deps.defaultServerTexts?.() ?? {}) : undefined
  const specs = fallback ? fallback.servers.map((text) => toSpec(text, fallback.from)) : options.servers.map((text) => toSpec(text))
  const say = (line: string) => deps.stdout(linePrefix(deps.localTime(), deps.pid) + line)
  const warn = (line: string) => deps.stderr(linePrefix(deps.localTime(), deps.pid) + line)
  const system = await deps.loadSystem()

  const debug = options.debug ? deps.stdout : undefined
  if (fallback) debug?.(`no server named: using ${fallback.servers.join(' ')} (from ${fallback.from})`)
  const servers = await resolveServers(specs, options.family, system.resolve, warn, debug)
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
  if (options.query || options.debug) printServers(selection, options.debug, deps.stdout)
  const ignoredLine = traceIgnored(ignored)
  if (ignoredLine) debug?.(ignoredLine)
  for (const v of selection.verdicts) if (v.rateLimited) warn(rateLimitLine(v.server.address))
  const chosen = selection.chosen
  if (selection.agreement.kind === 'no-majority') throw new NoServerError(noMajorityLine(votersOf(selection)))
  if (!chosen?.best) throw new NoServerError('no server suitable for synchronization found')

  const plan = decide(chosen.best.offset, { ...options, readOnly: options.query || options.debug })
  carryOut(plan, system.clock)
  say(resultLine(plan.method, displayServer(chosen.server), plan.offset))
  return ExitCode.Ok
}

/** With -d, every server's verdict; with -q or -d, classic's line for every server that answered. */
function printServers(selection: Selection, debug: boolean, print: (line: string) => void): void {
  if (debug) selection.verdicts.forEach((v) => print(traceVerdict(v, selection)))
  for (const { server, best } of selection.verdicts) {
    if (best) print(serverLine(displayServer(server), best.stratum, best.offset, best.delay))
  }
}

/** The servers that took part in a vote that found no majority. */
function votersOf(selection: Selection): { server: string; offset: number; rootDistance: number }[] {
  return selection.verdicts
    .filter((v) => v.status.kind === 'truechimer')
    .map((v) => ({ server: displayServer(v.server), offset: v.best!.offset, rootDistance: v.rootDistance! }))
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

/** `from`: where a server not named on the command line came from (NTPSERVERS, step-tickers) */
function toSpec(text: string, from?: string): ServerSpec {
  const spec = parseServerSpec(text)
  if ('error' in spec) throw new UsageError(from ? `${from}: ${spec.error}` : spec.error)
  return spec
}
