/** src/exit-codes.ts: one table, a row for every error code, and nothing else becomes a status by accident. */
import t from 'tap'
import * as errors from '../../src/errors.js'
import { EXIT_CODE_OF, ExitCode, exitCodeFor } from '../../src/exit-codes.js'

/** Every concrete error class errors.ts exports, made the ways it can be made. */
function everyError(): errors.TsntpdateError[] {
  const made: errors.TsntpdateError[] = []
  for (const value of Object.values(errors)) {
    if (typeof value !== 'function' || value === errors.TsntpdateError) continue
    if (!(value.prototype instanceof errors.TsntpdateError)) continue
    if (value === errors.InterruptedError) {
      for (const signal of ['SIGHUP', 'SIGINT', 'SIGTERM'] as const) made.push(new errors.InterruptedError(signal))
    } else {
      made.push(new (value as new (message: string) => errors.TsntpdateError)('x'))
    }
  }
  return made
}

t.test('every error class has a row, and every row is used', async (t) => {
  const made = everyError()
  t.ok(made.length >= 8, `${made.length} errors`)
  for (const error of made) {
    t.ok(Object.hasOwn(EXIT_CODE_OF, error.code), `${error.name} (${error.code}) has a row`)
    t.equal(exitCodeFor(error), EXIT_CODE_OF[error.code])
  }
  t.same(new Set(made.map((e) => e.code)), new Set(Object.keys(EXIT_CODE_OF)), 'no row without an error')
})

t.test('the statuses', async (t) => {
  t.equal(exitCodeFor(new errors.UsageError('x')), 2)
  t.equal(exitCodeFor(new errors.NoServerError('x')), 1)
  t.equal(exitCodeFor(new errors.CheckFailedError('x')), 3)
  t.equal(exitCodeFor(new errors.ClockNotSetError('x')), 4)
  t.equal(exitCodeFor(new errors.DaemonRunningError('x')), 5)
  t.equal(exitCodeFor(new errors.InterruptedError('SIGINT')), 130)
  t.equal(exitCodeFor(new errors.InterruptedError('SIGTERM')), 143)
  t.equal(exitCodeFor(new errors.InterruptedError('SIGHUP')), 129)
})

t.test('anything else is a bug: 70', async (t) => {
  t.equal(exitCodeFor(new Error('x')), ExitCode.Internal)
  t.equal(exitCodeFor(new TypeError('x')), 70)
  t.equal(exitCodeFor('a string'), 70)
  t.equal(exitCodeFor(Object.assign(new Error('x'), { code: 'USAGE' })), 70, 'a code alone does not make one of ours')
})
