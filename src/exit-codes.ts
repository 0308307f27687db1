/**
 * The exit statuses, in one place (mirrored in README and man/tsntpdate.8, EXIT STATUS).
 * 0–2 are classic ntpdate's; 3 is the --max-offset check; 5 is the time-daemon guard; 128 + the
 * signal's number is a run ended by that signal, as a shell reports it.
 */
import { TsntpdateError, type ErrorCode } from './errors.js'

export const ExitCode = {
  /** a server was selected; with a set, the clock was set as reported */
  Ok: 0,
  /** no server suitable for synchronization (none resolved, answered or passed the checks) */
  NoServer: 1,
  /** bad command line */
  Usage: 2,
  /** --max-offset: |offset| is above the limit */
  CheckFailed: 3,
  /** the clock could not be set and was left untouched */
  ClockNotSet: 4,
  /** a time daemon keeps the clock (without --force); the clock was left untouched */
  DaemonRunning: 5,
  /** SIGHUP ended the run; the clock was left untouched */
  Hangup: 129,
  /** SIGINT (Ctrl-C) ended the run; the clock was left untouched */
  Interrupt: 130,
  /** SIGTERM ended the run; the clock was left untouched */
  Terminate: 143,
  /** a bug: an error that should never happen */
  Internal: 70,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** Every error code's exit status: the one table (a new code without a row does not compile). */
export const EXIT_CODE_OF: Readonly<Record<ErrorCode, ExitCode>> = {
  USAGE: ExitCode.Usage,
  NO_SERVER: ExitCode.NoServer,
  CHECK_FAILED: ExitCode.CheckFailed,
  CLOCK_NOT_SET: ExitCode.ClockNotSet,
  DAEMON_RUNNING: ExitCode.DaemonRunning,
  INTERRUPTED_SIGHUP: ExitCode.Hangup,
  INTERRUPTED_SIGINT: ExitCode.Interrupt,
  INTERRUPTED_SIGTERM: ExitCode.Terminate,
}

/** Anything that is not one of ours is a bug. */
export function exitCodeFor(error: unknown): ExitCode {
  return error instanceof TsntpdateError ? EXIT_CODE_OF[error.code] : ExitCode.Internal
}
