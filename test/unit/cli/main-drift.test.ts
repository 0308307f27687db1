// main() and --drift-file over the in-process network: a first run records, a second estimates
// the rate from the offset's growth and the correction in between; --no-drift does nothing.
import t, { type Test } from 'tap'
import { main } from '../../../src/cli/main.js'
import { decodeRecords, type RunRecord } from '../../../src/drift/run-record.js'
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

/** a drift file whose one run was an hour ago and measured `offset`, with the kernel at `kernelPpm` */
function hourOld(offset: number, kernelPpm = 0, more: Partial<RunRecord> = {}): Map<string, string> {
  const run = { atSeconds: 0, boottimeSeconds: -3600, realMinusBootSeconds: 1_795_000_000, servers: ['10.0.0.1'], offsetSeconds: offset, correction: { kind: 'none', seconds: 0 }, kernelPpm, ...more }
  return new Map([['/d', JSON.stringify({ format: 'tsntpdate-drift-1', runs: [run] })]])
}

function near(t: Test, actual: number | undefined, expected: number, what: string) {
  t.ok(actual !== undefined && Math.abs(actual - expected) < 1e-4, `${what}: ${actual}`)
}

async function setRun(argv: string[], files: Map<string, string>, options: Parameters<typeof fakeSystem>[1] = {}) {
  const fake = fakeSystem({ '10.0.0.1': { ahead: 0.108 } }, { driftFiles: files, ...options })
  const { deps, stdout, stderr } = mainDeps(fake.system)
  const code = await main([...FAST, '--drift-file', '/d', ...argv, '10.0.0.1'], deps)
  const records = decodeRecords(files.get('/d') ?? '')
  return { code, ...fake, stdout, stderr, report: JSON.parse(stdout.join('\n')) as { frequency: Record<string, number> | null }, last: Array.isArray(records) ? records.at(-1) : undefined }
}

t.test("a boot's first estimate is applied whole", async (t) => {
  const r = await setRun(['-B'], hourOld(0, 4), { kernelPpm: 4 })
  t.equal(r.frequencies.length, 1)
  near(t, Number(r.frequencies[0]?.split(' ')[1]), 34, 'the kernel: 4 ppm already, and 30 ppm more')
  near(t, r.report.frequency?.['appliedPpm'], 30, 'JSON appliedPpm')
})

t.test('once a run of this boot has set it, a set applies GAIN of the estimate, and records it for the next estimate', async (t) => {
  const files = hourOld(0, 4, { appliedPpm: 4 })
  const r = await setRun(['-B'], files, { kernelPpm: 4 })
  t.equal(r.code, 0)
  t.same(r.calls, ['slew 0.108000'])
  t.equal(r.frequencies.length, 1)
  near(t, Number(r.frequencies[0]?.split(' ')[1]), 26.5, 'the kernel: 4 ppm already, and 0.75 × 30 ppm more')
  near(t, r.report.frequency?.['kernelPpm'], 26.5, 'JSON kernelPpm')
  near(t, r.report.frequency?.['appliedPpm'], 22.5, 'JSON appliedPpm')
  near(t, r.last?.appliedPpm, 22.5, 'the record says what was added')
  near(t, r.last?.kernelPpm, 26.5, 'and the frequency the next basis runs at')
})

t.test('the next run models the frequency it set: an estimate, not "changed in between"', async (t) => {
  const files = hourOld(0, 0)
  await setRun(['-B'], files)
  const back = JSON.parse(files.get('/d')!)
  back.runs.at(-1).boottimeSeconds -= 3600
  files.set('/d', JSON.stringify(back))
  const r = await setRun(['-q'], files, { kernelPpm: back.runs.at(-1).kernelPpm })
  t.not(r.report.frequency, null, 'an estimate')
  t.same(r.frequencies, [], '-q sets no frequency')
  t.equal(r.report.frequency?.['appliedPpm'], null)
})

t.test('no frequency without a set: -q, -d, --max-offset; nor without an estimate', async (t) => {
  for (const argv of [['-q'], ['-d'], ['--max-offset', '1']]) {
    const r = await setRun(argv, hourOld(0))
    t.same(r.frequencies, [], argv.join(' '))
    t.equal(r.last?.appliedPpm, 0)
  }
  const first = await setRun(['-B'], new Map())
  t.same(first.calls, ['slew 0.108000'])
  t.same(first.frequencies, [], 'a first run has nothing to apply')
})

t.test('--force sets the clock past a time daemon, but never its frequency', async (t) => {
  const r = await setRun(['-B', '--force'], hourOld(0), { daemon: { evidence: 'process', processes: [{ name: 'chronyd', pid: 77 }], description: 'chronyd (pid 77)' } })
  t.same(r.calls, ['slew 0.108000'])
  t.same(r.frequencies, [])
  t.equal(r.report.frequency?.['appliedPpm'], null)
})

t.test("--force past a daemon only the kernel shows: the guard's answer before the set counts, not the one after our own mark (issue 22, point 12)", async (t) => {
  const kernelDaemon = { evidence: 'kernel' as const, kernel: { status: 0x2001, maxErrorMicros: 12_000 }, description: 'the kernel says …' }
  const r = await setRun(['-B', '--force'], hourOld(0), { daemon: kernelDaemon, daemonHiddenBySet: true })
  t.same(r.calls, ['slew 0.108000'], 'the clock is set (--force)')
  t.same(r.frequencies, [], 'its frequency is not')
  t.same(r.daemonChecks, ['before any clock change'], 'the guard is asked once, before the set')
})

t.test('a refused frequency is one warning: the set stands, and the record keeps the old frequency', async (t) => {
  const r = await setRun(['-B'], hourOld(0, 3), { kernelPpm: 3, refuseFrequency: 'adjtimex: Operation not permitted' })
  t.equal(r.code, 0)
  t.same(r.calls, ['slew 0.108000'])
  t.match(r.stderr, [/the clock is set, but its frequency was not: adjtimex: Operation not permitted/])
  t.equal(r.last?.kernelPpm, 3)
  t.equal(r.report.frequency?.['appliedPpm'], null)
})

t.test('the change is one notice line (stdout, or syslog with -s)', async (t) => {
  const fake = fakeSystem({ '10.0.0.1': { ahead: 0.108 } }, { driftFiles: hourOld(0, 4, { appliedPpm: 4 }), kernelPpm: 4 })
  const { deps, stdout } = mainDeps(fake.system)
  t.equal(await main(['--gap', '0', '-t', '0.05', '-B', '--drift-file', '/d', '10.0.0.1'], deps), 0)
  t.match(stdout.at(-1), /tsntpdate\[4242\]: frequency \+26\.500 ppm \(\+22\.500 ppm, for a drift of \+30\.000 ppm over 3600 s\)$/)
})

t.test("a boot's first set puts back the frequency the last boot ran at; not if the kernel's was set, nor with -q", async (t) => {
  // a day ago by the wall clock (the fake clock starts at 1 795 000 000)
  const lastBoot = () => hourOld(0, 12.25, { bootId: 'the-last-boot', boottimeSeconds: 86_400, atSeconds: 1_795_000_000 - 86_400 })
  const r = await setRun(['-B'], lastBoot())
  t.equal(r.report.frequency, null, 'no estimate across boots')
  t.same(r.frequencies, ['frequency 12.250000'])
  t.equal(r.last?.kernelPpm, 12.25)
  t.equal(r.last?.bootId, 'fake-boot', 'the record names this boot')
  t.match(r.stderr.join('\n'), /^$/)
  t.same((await setRun(['-B'], lastBoot(), { kernelPpm: 3 })).frequencies, [], 'the kernel had been set this boot')
  t.same((await setRun(['-q'], lastBoot())).frequencies, [], '-q')
  t.same((await setRun(['-B'], hourOld(0, 12.25, { bootId: 'fake-boot' }), { kernelPpm: 12.25 })).frequencies.length, 1, 'this boot: an estimate instead')
})
