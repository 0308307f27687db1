/**
 * Where each output line goes: the terminal, syslog, or both.
 *
 * - results (the final line, the -v version) : stdout, and syslog at NOTICE
 * - warnings and errors ("Can't find host", no server, clock not set) : stderr, and syslog at ERR
 *   (classic ntpdate logs "Can't find host" at LOG_ERR too)
 * - the -q server lines and the -d trace : stdout only, also with -s (as classic ntpdate)
 * - usage errors : stderr only, before any syslog is opened
 * With -s the terminal gets none of the results, warnings or errors: they go to syslog(3) only.
 * Every line goes through oneLine(): control characters escaped, at most MAX_LINE_LENGTH long.
 * A remote syslog server (--syslog-server) gets a copy of what syslog gets, with or without -s;
 * if it cannot be reached, that is one warning line on stderr, and the exit status does not change.
 */
import { cutLine, linePrefix, oneLine } from '../report/format.js'
import type { Logger, OpenLogger } from '../ports.js'
import type { LogSeverity, LogTarget, SyslogChoice } from '../config/syslog-config.js'

export interface TerminalDeps {
  pid: number
  stdout: (line: string) => void
  stderr: (line: string) => void
  localTime: () => Date
}

export interface Output {
  /** Opens the syslog destinations the options ask for (none: a no-op that loads nothing). */
  open(choice: SyslogChoice, openLogger: OpenLogger | undefined): Promise<void>
  /** a result: stdout with the line prefix, and/or syslog NOTICE */
  notice(message: string): void
  /** a warning or an error: stderr with the line prefix, and/or syslog ERR */
  error(message: string): void
  /** the version line: bare on stdout, and/or syslog NOTICE */
  version(text: string): void
  /** a -q server line or a -d trace line: stdout only */
  print(line: string): void
  /** a usage error: stderr only */
  usage(message: string): void
  /** Delivers what syslog still holds; a remote server that was not reached is one stderr warning. Never throws. */
  close(): Promise<void>
}

export function logTargets(choice: SyslogChoice): LogTarget[] {
  const facility = choice.syslogFacility
  return [
    ...(choice.syslog ? [{ kind: 'local', facility } as const] : []),
    ...(choice.syslogServer ? [{ kind: 'remote', server: choice.syslogServer, format: choice.syslogFormat, facility } as const] : []),
  ]
}

export function createOutput(terminal: TerminalDeps): Output {
  const loggers: Logger[] = []
  let silent = false
  const prefixed = (message: string) => cutLine(linePrefix(terminal.localTime(), terminal.pid) + message)
  const log = (severity: LogSeverity, message: string) => {
    for (const logger of loggers) logger.log(severity, message)
  }
  return {
    async open(choice, openLogger) {
      for (const target of logTargets(choice)) {
        if (!openLogger) throw new Error(`no syslog available for ${target.kind} logging`)
        loggers.push(await openLogger(target))
      }
      silent = choice.syslog
    },
    notice(message) {
      const line = oneLine(message)
      if (!silent) terminal.stdout(prefixed(line))
      log('notice', line)
    },
    error(message) {
      const line = oneLine(message)
      if (!silent) terminal.stderr(prefixed(line))
      log('err', line)
    },
    version(text) {
      if (!silent) terminal.stdout(text)
      log('notice', text)
    },
    print(line) {
      terminal.stdout(oneLine(line))
    },
    usage(message) {
      terminal.stderr(prefixed(oneLine(message)))
    },
    async close() {
      const problems = await Promise.all(loggers.splice(0).map((logger) => logger.close().catch((error: unknown) => String(error))))
      for (const problem of problems) if (problem) terminal.stderr(prefixed(oneLine(problem)))
    },
  }
}
