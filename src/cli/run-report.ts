/**
 * --json and --metrics-file: gathers what the run found as it goes, and at the end, whatever the
 * outcome, prints the JSON document and writes the metrics file.
 *
 * With --json, stdout carries the document and nothing else: the classic stdout lines (-q server
 * lines, the result line, -v) are not printed, except with -d, where they go to stderr with the
 * trace. Warnings and errors stay on stderr (or syslog with -s) as without --json. A `--json` on a
 * command line that does not parse still gets a document (exitCode 2), after the usage line on
 * stderr. --help prints the help only.
 */
import { errorText } from '../errors.js'
import type { Authentication } from '../auth/authentication.js'
import type { Server } from '../ntp/endpoint.js'
import type { Outcome } from '../decide/decide.js'
import type { ExitCode } from '../exit-codes.js'
import { buildJsonReport, type Frequency, type NtsFailure, type RunFacts, type UnresolvedName } from '../report/json.js'
import { renderMetrics } from '../report/metrics.js'
import type { ServerObservation } from '../ntp/observation.js'
import type { Selection } from '../select/verdict.js'
import type { ServerSpec } from '../config/server.js'
import type { Options } from './args.js'
import type { Output, TerminalDeps } from './output.js'

export interface RunReportDeps extends TerminalDeps {
  version: string
  /** replaces a file's content atomically; without it, --metrics-file can only warn */
  writeFileAtomically?: (path: string, text: string) => Promise<void>
}

export interface RunReport {
  /** the terminal the Output writes to: stdout diverted as --json wants */
  terminal: TerminalDeps
  parsed(options: Options): void
  /** a name (and port) that yielded no address, and why */
  unresolved(spec: ServerSpec, reason: string): void
  selected(observations: readonly ServerObservation[], selection: Selection): void
  decided(outcome: Outcome): void
  /** -a, --nts: how each server's replies are authenticated */
  authenticating(authenticationOf: (server: Server) => Authentication | undefined): void
  /** --nts: a server given up on, and why */
  ntsFailed(failure: NtsFailure): void
  /** --drift-file: the estimate of the clock's rate, or null */
  frequency(frequency: Frequency | null): void
  /** the set moved the kernel's frequency to `kernelPpm` (the estimate's row, if any, says so) */
  frequencySet(kernelPpm: number): void
  clockChanged(): void
  /** notes how the run ended and hands the exit status back */
  finished(exitCode: ExitCode, error?: string): ExitCode
  /** Prints the document and writes the metrics file, as asked; never throws. */
  publish(output: Output): Promise<void>
}

/** `--json` before any `--`: known even when the rest of the command line does not parse. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json')
}

export function startRunReport(argv: readonly string[], deps: RunReportDeps): RunReport {
  let options: Options | undefined
  const facts: RunFacts & { unresolvable: UnresolvedName[]; ntsFailures: NtsFailure[] } = {
    version: deps.version,
    unresolvable: [],
    observations: undefined,
    selection: undefined,
    outcome: undefined,
    authenticationOf: undefined,
    ntsFailures: [],
    clockChanged: false,
    maxOffset: undefined,
    exitCode: 0,
    error: undefined,
  }
  const json = () => options?.json ?? wantsJson(argv)
  const classicStdout = (line: string) => {
    if (!json()) deps.stdout(line)
    else if (options?.debug) deps.stderr(line)
  }

  return {
    terminal: { ...deps, stdout: classicStdout },
    parsed(parsedOptions) {
      options = parsedOptions
      facts.maxOffset = parsedOptions.maxOffsetSeconds
    },
    unresolved(spec, reason) {
      if (facts.unresolvable.some((u) => u.name === spec.host && u.port === spec.port)) return
      facts.unresolvable.push({ name: spec.host, port: spec.port, reason })
    },
    selected(observations, selection) {
      facts.observations = observations
      facts.selection = selection
    },
    decided(outcome) {
      facts.outcome = outcome
    },
    authenticating(authenticationOf) {
      facts.authenticationOf = authenticationOf
    },
    ntsFailed(failure) {
      facts.ntsFailures.push(failure)
    },
    frequency(frequency) {
      facts.frequency = frequency
    },
    frequencySet(kernelPpm) {
      const row = facts.frequency
      if (row) facts.frequency = { ...row, appliedPpm: kernelPpm - row.kernelPpm, kernelPpm }
    },
    clockChanged() {
      facts.clockChanged = true
    },
    finished(exitCode, error) {
      facts.exitCode = exitCode
      facts.error = error
      return exitCode
    },
    async publish(output) {
      if (options?.help) return
      const report = buildJsonReport(facts)
      const versionOnly = options?.showVersion === true && options.defaultServers
      if (options?.metricsFile !== undefined && !versionOnly) {
        const problem = await writeMetrics(options.metricsFile, renderMetrics(report, deps.localTime().getTime() / 1000), deps)
        if (problem) output.error(problem)
      }
      if (json()) deps.stdout(JSON.stringify(report, null, 2))
    },
  }
}

/** A metrics file that cannot be written is a warning: the exit status stays that of the time work. */
async function writeMetrics(path: string, text: string, deps: RunReportDeps): Promise<string | undefined> {
  if (!deps.writeFileAtomically) return `cannot write metrics file ${path}: no file writer`
  try {
    await deps.writeFileAtomically(path, text)
    return undefined
  } catch (error) {
    return `cannot write metrics file ${path}: ${errorText(error)}`
  }
}
