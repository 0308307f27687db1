import t from 'tap'
import { parseArgs } from '../../../src/cli/args.js'
import { UsageError } from '../../../src/errors.js'
import { parseArgsError } from '../../helpers/unit.js'

const usageMessage = (argv: string[]) => {
  const error = parseArgsError(argv)
  if (error === undefined) return undefined
  return error instanceof UsageError ? error.message : `not a UsageError: ${String(error)}`
}

t.test("--max-offset: the limit, and query only with -q's one sample", async (t) => {
  t.match(parseArgs(['--max-offset', '0.5', 'h']), { maxOffsetSeconds: 0.5, query: true, samples: 1 })
  t.match(parseArgs(['--max-offset=0', 'h']), { maxOffsetSeconds: 0, query: true })
  t.match(parseArgs(['--max-offset', '2', '-p', '3', '-b', 'h']), { query: true, samples: 3, method: 'step' }, '-b cannot make it set')
  t.match(parseArgs(['h']), { maxOffsetSeconds: undefined, query: false })
  t.equal(usageMessage(['--max-offset', '-1', 'h']), "--max-offset: '-1' is not a number of seconds from 0 to 1000000000")
  t.equal(usageMessage(['--max-offset', '1e-3', 'h']), "--max-offset: '1e-3' is not a number of seconds from 0 to 1000000000")
  t.match(usageMessage(['h', '--max-offset']), /max-offset/, 'a missing value')
})

t.test('--json and --metrics-file', async (t) => {
  t.match(parseArgs(['--json', 'h']), { json: true, metricsFile: undefined })
  t.match(parseArgs(['h']), { json: false })
  t.match(parseArgs(['--metrics-file', '/var/lib/x.prom', 'h']), { metricsFile: '/var/lib/x.prom' })
  t.match(parseArgs(['--metrics-file=-odd name.prom', 'h']), { metricsFile: '-odd name.prom' }, 'the value as typed')
  t.equal(usageMessage(['--metrics-file', '', 'h']), '--metrics-file: the value is empty')
  t.match(usageMessage(['h', '--metrics-file']), /metrics-file/, 'a missing value')
})
