/**
 * The exit statuses, in one place (mirrored in README and man/tsntpdate.8, EXIT STATUS).
 * 0–2 are classic ntpdate's; 3 and 5 are kept for the check mode and the time-daemon guard.
 */
import { ClockNotSetError, NoServerError, UsageError } from './errors.js'

export const ExitCode = {
  /** a server was selected; with a set, the clock was set as reported */
  Ok: 0,
  /** no server suitable for synchronization (none resolved, answered or passed the checks) */
  NoServer: 1,
  /** bad command line */
  Usage: 2,
  /** reserved: --max-offset check failed */
  CheckFailed: 3,
  /** the clock could not be set and was left untouched */
  ClockNotSet: 4,
  /** reserved: a time daemon is running */
  DaemonRunning: 5,
  /** a bug: an error that should never happen */
  Internal: 70,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return ExitCode.Usage
  if (error instanceof NoServerError) return ExitCode.NoServer
  if (error instanceof ClockNotSetError) return ExitCode.ClockNotSet
  return ExitCode.Internal
}
