/** The program: argv in, exit status out. Every effect goes through `deps`. */
import { InterruptedError, UsageError, type InterruptSignal } from '../errors.js'
import { ExitCode, exitCodeFor } from '../exit-codes.js'
import type { OpenLogger } from '../ports.js'
import { noFindings, type RunFindings } from '../report/json.js'
import { startRun, type RunDeps } from '../run/run.js'
import { readCommandLine } from './args.js'
import { helpText } from './option-table.js'
import { createOutput, type Output, type TerminalDeps } from './output.js'
import { publish, type PublishDeps } from './publish.js'

export type { System } from '../run/run.js'

export interface MainDeps extends TerminalDeps, PublishDeps, Omit<RunDeps, 'interrupted'> {
  version: string
  /** opens syslog(3) or a remote syslog server; needed only with -s or --syslog-server */
  openLogger?: OpenLogger
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

/**
 * --json: stdout carries the document and nothing else: the classic stdout lines (-q server lines,
 * the result line, -v) are not printed, except with -d, where they go to stderr with the trace.
 * Warnings and errors stay on stderr (or syslog with -s). A `--json` on a command line that does
 * not parse still gets a document (exitCode 2), after the usage line. --help prints the help only.
 */
export async function main(argv: readonly string[], deps: MainDeps): Promise<ExitCode> {
  const commandLine = readCommandLine(argv)
  const options = 'options' in commandLine ? commandLine.options : undefined
  if (options?.help) {
    deps.stdout(helpText(deps.version))
    return ExitCode.Ok
  }
  const json = options?.json ?? ('json' in commandLine && commandLine.json)
  const output = createOutput(terminalFor(deps, json, options?.debug === true))
  let found: RunFindings = noFindings()
  let versionOnly = false
  const perform = async (): Promise<ExitCode> => {
    if ('usage' in commandLine) throw new UsageError(commandLine.usage)
    const options = commandLine.options
    await output.open(options, deps.openLogger)
    if (options.showVersion) {
      output.version(`tsntpdate ${deps.version}`)
      versionOnly = options.defaultServers
      if (versionOnly) return ExitCode.Ok
    }
    const run = startRun(options, { ...deps, interrupted: () => deps.interruption?.signal() }, output)
    found = run.found
    if (!deps.interruption) return await run.ended
    run.ended.catch(() => {}) // after a signal it is left to end on its own, and never sets the clock
    const interrupted = deps.interruption.arrived.then((signal) => Promise.reject(new InterruptedError(signal)))
    return await Promise.race([run.ended, interrupted])
  }
  let exitCode: ExitCode
  let error: string | undefined
  try {
    exitCode = await perform()
  } catch (thrown) {
    exitCode = exitCodeFor(thrown)
    error = failureMessage(thrown, exitCode, output)
  }
  const metricsFile = versionOnly ? undefined : options?.metricsFile
  await publish({ ...found, version: deps.version, maxOffset: options?.maxOffsetSeconds, exitCode, error }, { json, metricsFile }, output, deps)
  await output.close()
  return exitCode
}

/** The error's one line, said where it belongs; a bug is an internal error (exit 70), never a stack trace. */
function failureMessage(thrown: unknown, exitCode: ExitCode, output: Output): string {
  const message = thrown instanceof Error ? thrown.message : String(thrown)
  if (exitCode === ExitCode.Usage) output.usage(message)
  else output.error(exitCode === ExitCode.Internal ? `internal error: ${message}` : message)
  return exitCode === ExitCode.Internal ? `internal error: ${message}` : message
}

/** stdout as --json wants it. */
function terminalFor(deps: TerminalDeps, json: boolean, debug: boolean): TerminalDeps {
  if (!json) return deps
  return { ...deps, stdout: (line) => (debug ? deps.stderr(line) : undefined) }
}
