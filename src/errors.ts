/** The ways a run can fail. Each has a fixed code; exit-codes.ts maps every code to an exit status. */

export type ErrorCode = 'USAGE' | 'NO_SERVER' | 'CHECK_FAILED' | 'CLOCK_NOT_SET' | 'DAEMON_RUNNING' | 'INTERRUPTED_SIGHUP' | 'INTERRUPTED_SIGINT' | 'INTERRUPTED_SIGTERM'

export abstract class TsntpdateError extends Error {
  abstract readonly code: ErrorCode

  override get name(): string {
    return this.constructor.name
  }
}

/** Bad command line: unknown option, bad value, unparsable server. */
export class UsageError extends TsntpdateError {
  readonly code: ErrorCode = 'USAGE'
}

/** No server answered usefully, or none could be resolved. */
export class NoServerError extends TsntpdateError {
  readonly code: ErrorCode = 'NO_SERVER'
}

/** --max-offset: the selected offset is beyond the limit (the clock is never touched in this mode). */
export class CheckFailedError extends TsntpdateError {
  readonly code: ErrorCode = 'CHECK_FAILED'
}

/** The clock was not changed: no right to (CAP_SYS_TIME), the kernel refused, or the offset is beyond --max-step. */
export class ClockNotSetError extends TsntpdateError {
  readonly code: ErrorCode = 'CLOCK_NOT_SET'
}

/** A time daemon keeps the clock and --force was not given; the clock was left untouched. */
export class DaemonRunningError extends TsntpdateError {
  readonly code: ErrorCode = 'DAEMON_RUNNING'
}

/** SIGINT, SIGTERM or SIGHUP ended the run before it set the clock (or when it had nothing to set). */
export class InterruptedError extends TsntpdateError {
  readonly code: ErrorCode
  constructor(readonly signal: InterruptSignal) {
    super(`interrupted by ${signal}; clock left untouched`)
    this.code = `INTERRUPTED_${signal}`
  }
}

export type InterruptSignal = 'SIGHUP' | 'SIGINT' | 'SIGTERM'

/**
 * Any thrown value in one line for a message: an OS error as its code and words, without the
 * `, open '<path>'` tail Node adds (`ENOENT: no such file or directory`); any other error as its
 * message.
 */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  return 'code' in error && typeof error.code === 'string' ? (error.message.split(', ')[0] ?? error.message) : error.message
}

/** An OS error's code (`ENOENT`), if the thrown value has one. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined
}
