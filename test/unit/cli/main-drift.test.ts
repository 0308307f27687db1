// main() and --drift-file over the in-process network: a first run records, a second estimates
// the rate from the offset's growth and the correction in between; --no-drift does nothing.
import t from 'tap'
import { main } from '../../../src/cli/main.js'
import { decodeRecords } from '../../../src/drift/run-record.js'
import { fakeSystem, mainDeps, type FakeServer } from '../../helpers/fake-system.js'

const FAST = ['--gap', '0', '-t', '0.05', '--json']

async function run(argv: string[], servers: Record<string, FakeServer>, driftFiles: Map<string, string>) {
  const { system, calls } = fakeSystem(servers, { driftFiles })
  const { deps, stdout, stderr } = mainDeps(system)
  const code = await main(argv, deps)
  return { code, calls, stderr, report: JSON.parse(stdout.join('\n')) as { frequency: unknown } }
}

t.test('the first run records and estimates nothing; a run after it estimates from the growth', async (t) => {
  const files = new Map<string, string>()
  const first = await run([...FAST, '-q', '--drift-file', '/d', '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } }, files)
  t.equal(first.code, 0)
  t.equal(first.report.frequency, null, 'no earlier run: no estimate')
  const records = decodeRecords(files.get('/d') ?? '')
  t.ok(Array.isArray(records) && records.length === 1, 'one run recorded')
  // pretend the first run was an hour ago
  const back = JSON.parse(files.get('/d')!)
  back.runs[0].boottimeSeconds -= 3600
  files.set('/d', JSON.stringify(back))
  const second = await run([...FAST, '-q', '--drift-file', '/d', '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 + 0.108 } }, files)
  const frequency = second.report.frequency as { driftPpm: number; basisSeconds: number; appliedPpm: null; kernelPpm: number }
  t.match(frequency, { appliedPpm: null, kernelPpm: 0 })
  t.ok(Math.abs(frequency.basisSeconds - 3600) < 1, `an hour's basis: ${frequency.basisSeconds}`)
  const drift = frequency.driftPpm
  t.ok(Math.abs(drift - 30) < 0.1, `0.108 s more in an hour: 30 ppm (${drift})`)
})

t.test('a set is recorded with its correction; the next estimate takes it into account', async (t) => {
  const files = new Map<string, string>()
  const set = await run([...FAST, '-b', '--drift-file', '/d', '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } }, files)
  t.same(set.calls, ['step 0.200000'])
  const records = decodeRecords(files.get('/d') ?? '')
  const [record] = Array.isArray(records) ? records : []
  t.equal(record?.correction.kind, 'step')
  t.ok(Math.abs((record?.correction.seconds ?? 0) - 0.2) < 1e-6, 'by the offset it stepped')
})

t.test('--no-drift: nothing read, nothing written', async (t) => {
  const files = new Map<string, string>()
  const r = await run([...FAST, '-q', '--drift-file', '/d', '--no-drift', '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } }, files)
  t.equal(r.code, 0)
  t.equal(files.size, 0)
  t.equal(r.report.frequency, null)
})

t.test('a corrupt drift file is one warning, and replaced', async (t) => {
  const files = new Map([['/d', '{"format":']])
  const r = await run([...FAST, '-q', '--drift-file', '/d', '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } }, files)
  t.equal(r.code, 0)
  t.match(r.stderr, [/drift file \/d is corrupt \(not JSON\); ignored, and replaced/])
  t.ok(Array.isArray(decodeRecords(files.get('/d') ?? '')), 'replaced by a good one')
})
