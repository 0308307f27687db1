// main() with --json, --max-offset and --metrics-file, through an in-process network and a fake
// clock: what goes to stdout and stderr, the exit status, and what the metrics writer gets.
import t, { type Test } from 'tap'
import { main } from '../../../src/cli/main.js'
import { fakeSystem, mainDeps } from '../../helpers/fake-system.js'
import type { JsonReport } from '../../../src/report/json.js'

/** seconds each fake server's clock is ahead of ours; an address not listed never answers */
type Servers = Record<string, number>

interface RunOptions {
  refuse?: string
  /** the metrics writer fails with this */
  writeFails?: Error
}

const logged: string[] = []

async function run(argv: string[], servers: Servers = {}, options: RunOptions = {}) {
  const { system, calls } = fakeSystem(Object.fromEntries(Object.entries(servers).map(([address, ahead]) => [address, { ahead }])), { refuse: options.refuse })
  const written: { path: string; text: string }[] = []
  const { deps, stdout, stderr } = mainDeps(system, {
    localTime: () => new Date(1_795_000_100_250),
    openLogger: async (target) => ({
      log: (severity, message) => logged.push(`${target.kind} ${severity} ${message}`),
      close: async () => undefined,
    }),
    writeFileAtomically: async (path, text) => {
      if (options.writeFails) throw options.writeFails
      written.push({ path, text })
    },
  })
  const code = await main(argv, deps)
  return { code, stdout, stderr, calls, written }
}

/** stdout holds exactly one JSON document (one write), and nothing else. */
function documentOf(t: Test, stdout: readonly string[]): JsonReport {
  t.equal(stdout.length, 1, 'one write on stdout')
  return JSON.parse(stdout[0]!) as JsonReport
}

const FAST = ['--gap', '0', '-t', '0.05']

t.test('--json -q: the document instead of the classic lines; stderr stays quiet', async (t) => {
  const r = await run(['--json', ...FAST, '-q', '10.0.0.1', '10.0.0.2'], { '10.0.0.1': 0.25 })
  t.equal(r.code, 0)
  t.same(r.stderr, [])
  t.same(r.calls, [])
  const doc = documentOf(t, r.stdout)
  t.match(doc, { version: '0.1.0', selected: '10.0.0.1', action: 'query', method: 'slew', exitCode: 0, error: null, maxOffset: null })
  t.ok(Math.abs(doc.offset! - 0.25) < 1e-6, 'the selected offset')
  t.same(
    doc.servers.map((s) => [s.address, s.status]),
    [
      ['10.0.0.1', 'selected'],
      ['10.0.0.2', 'no-reply'],
    ],
  )
  t.equal(doc.servers[0]!.samples.length, 1, '-q takes one sample')
})

t.test('--json when setting: the action taken; a kernel refusal: action none, exit 4, the error in the document', async (t) => {
  const set = await run(['--json', ...FAST, '-b', '10.0.0.1'], { '10.0.0.1': 0.001 })
  t.equal(set.code, 0)
  t.same(set.calls, ['step 0.001000'])
  t.match(documentOf(t, set.stdout), { action: 'step', method: 'step', exitCode: 0 })
  const refused = await run(['--json', ...FAST, '10.0.0.1'], { '10.0.0.1': 0.001 }, { refuse: 'EPERM' })
  t.equal(refused.code, 4)
  t.match(refused.stderr, [/tsntpdate\[4242\]: Can't adjust the time of day: EPERM$/], 'the error line stays on stderr')
  t.match(documentOf(t, refused.stdout), { action: 'none', method: 'slew', exitCode: 4, error: "Can't adjust the time of day: EPERM" })
})

t.test('--json with -d: the trace and the classic lines go to stderr', async (t) => {
  const r = await run(['--json', '-d', ...FAST, '10.0.0.1'], { '10.0.0.1': 0.1 })
  t.equal(r.code, 0)
  t.match(documentOf(t, r.stdout), { action: 'query', selected: '10.0.0.1' })
  t.ok(
    r.stderr.some((line) => /^sent request to 10\.0\.0\.1/.test(line)),
    'the trace',
  )
  t.ok(
    r.stderr.some((line) => /^server 10\.0\.0\.1, stratum 2/.test(line)),
    'the server line',
  )
  t.ok(
    r.stderr.some((line) => /adjust time server 10\.0\.0\.1 offset \+0\.1000\d\d sec$/.test(line)),
    'the result line',
  )
})

t.test('--json on failures: no server, names that did not resolve, a usage error', async (t) => {
  const none = await run(['--json', ...FAST, 'a.invalid', 'v4only.example:11123', '-6'])
  t.equal(none.code, 1)
  const doc = documentOf(t, none.stdout)
  t.match(doc, { exitCode: 1, error: 'no servers can be used, exiting', selected: null, action: 'none', offset: null })
  t.same(
    doc.servers.map((s) => [s.name, s.port, s.status, s.reason]),
    [
      ['a.invalid', 123, 'unresolvable', 'no such host'],
      ['v4only.example', 11123, 'unresolvable', 'no IPv6 address'],
    ],
    'a name without an address of the family asked for counts as unresolvable',
  )

  const silent = await run(['--json', ...FAST, '10.0.0.7', 'a.invalid'])
  t.equal(silent.code, 1)
  t.same(
    documentOf(t, silent.stdout).servers.map((s) => s.status),
    ['no-reply', 'unresolvable'],
  )
  t.equal(silent.stderr.length, 2, "Can't find host and the error line stay on stderr")

  const usage = await run(['--json', '-p', '9', '10.0.0.1'])
  t.equal(usage.code, 2)
  t.match(usage.stderr, [/-p: '9' is not a whole number from 1 to 8$/])
  t.match(documentOf(t, usage.stdout), { exitCode: 2, error: "-p: '9' is not a whole number from 1 to 8", servers: [], action: 'none' })

  const unknown = await run(['--json', '--bogus'])
  t.equal(unknown.code, 2)
  t.match(documentOf(t, unknown.stdout), { exitCode: 2, error: /bogus/ }, 'known to be wanted even when argv does not parse')
  t.same((await run(['--bogus', '--', '--json'])).stdout, [], 'a --json after -- is a server name')
})

t.test('--json with -s: the document on stdout all the same, the lines in syslog', async (t) => {
  logged.length = 0
  const r = await run(
    ['--json', '-s', ...FAST, '--metrics-file', '/nonexistent/x.prom', '10.0.0.1'],
    { '10.0.0.1': 0.1 },
    { writeFails: Object.assign(new Error('ENOENT: no such file or directory, open'), { code: 'ENOENT' }) },
  )
  t.equal(r.code, 0)
  t.match(documentOf(t, r.stdout), { action: 'slew', exitCode: 0 })
  t.same(r.stderr, [])
  t.match(logged, [/^local notice adjust time server 10\.0\.0\.1/, /^local err cannot write metrics file \/nonexistent\/x\.prom: ENOENT: no such file or directory$/])
})

t.test('--json with -h prints the help only; with -v, the document only', async (t) => {
  const help = await run(['--json', '-h'])
  t.equal(help.stdout.length, 1)
  t.match(help.stdout[0], /^tsntpdate 0\.1\.0: /)
  const version = await run(['--json', '-v'])
  t.match(documentOf(t, version.stdout), { version: '0.1.0', servers: [], exitCode: 0, action: 'none' })
})

t.test('--max-offset: query only; exit 3 beyond it, saying by how much; 0 within; 1 without a server', async (t) => {
  const over = await run([...FAST, '--max-offset', '0.5', '10.0.0.1'], { '10.0.0.1': 2.5 })
  t.equal(over.code, 3)
  t.same(over.calls, [], 'the clock is never touched')
  t.match(over.stdout, [/^server 10\.0\.0\.1, stratum 2, offset \+2\.5000\d\d/, /step time server 10\.0\.0\.1 offset \+2\.5000\d\d sec$/], 'the -q lines')
  t.match(over.stderr, [/tsntpdate\[4242\]: offset \+2\.5000\d\d s exceeds --max-offset 0\.5 s by 2\.0000\d\d s$/])

  const within = await run([...FAST, '--max-offset', '0.5', '10.0.0.1'], { '10.0.0.1': -0.4 })
  t.equal(within.code, 0)
  t.same(within.calls, [])
  t.same(within.stderr, [])

  const negative = await run([...FAST, '--max-offset', '0.5', '-b', '10.0.0.1'], { '10.0.0.1': -0.75 })
  t.equal(negative.code, 3, 'either sign; -b does not make it set the clock')
  t.same(negative.calls, [])

  t.equal((await run([...FAST, '--max-offset', '0.5', '10.0.0.7'])).code, 1)

  const json = await run(['--json', ...FAST, '--max-offset', '0.5', '10.0.0.1'], { '10.0.0.1': 2.5 })
  t.equal(json.code, 3)
  t.match(documentOf(t, json.stdout), { action: 'query', maxOffset: 0.5, exitCode: 3, error: /exceeds --max-offset 0\.5 s by 2\.0000\d\d s$/ })
  t.ok(Math.abs(documentOf(t, json.stdout).offset! - 2.5) < 1e-6)

  t.equal((await run(['--max-offset', '-1', '10.0.0.1'])).code, 2)
  t.equal((await run(['--max-offset', 'x', '10.0.0.1'])).code, 2)
})

t.test('--metrics-file: written on success and on failure; a write failure is a warning only', async (t) => {
  const ok = await run([...FAST, '-q', '--metrics-file', '/m/t.prom', '10.0.0.1'], { '10.0.0.1': 0.1 })
  t.equal(ok.code, 0)
  t.equal(ok.written.length, 1)
  t.equal(ok.written[0]!.path, '/m/t.prom')
  t.match(ok.written[0]!.text, /^tsntpdate_success 1$/m)
  t.match(ok.written[0]!.text, /^tsntpdate_last_run_timestamp_seconds 1795000100\.25$/m, 'the wall clock at the end')
  t.match(ok.written[0]!.text, /^tsntpdate_offset_seconds 0\.(1000|0999)\d+$/m)

  const failed = await run([...FAST, '-q', '--metrics-file', '/m/t.prom', '10.0.0.7'])
  t.equal(failed.code, 1)
  t.match(failed.written[0]!.text, /^tsntpdate_success 0$/m)
  t.match(failed.written[0]!.text, /^tsntpdate_exit_code 1$/m)
  t.match(failed.written[0]!.text, /^tsntpdate_servers\{status="no-reply"\} 1$/m)

  const unwritable = Object.assign(new Error("EACCES: permission denied, open '/m/.t.prom.1.ab.tmp'"), { code: 'EACCES' })
  const warned = await run([...FAST, '-q', '--metrics-file', '/m/t.prom', '10.0.0.1'], { '10.0.0.1': 0.1 }, { writeFails: unwritable })
  t.equal(warned.code, 0, 'the exit status of the time work')
  t.match(warned.stderr, [/tsntpdate\[4242\]: cannot write metrics file \/m\/t\.prom: EACCES: permission denied$/])

  t.same((await run(['-h', '--metrics-file', '/m/t.prom'])).written, [], 'not for --help')
  t.same((await run(['-v', '--metrics-file', '/m/t.prom'])).written, [], 'not for -v alone')
  t.equal((await run(['--metrics-file', '', '10.0.0.1'])).code, 2, 'an empty path is a usage error')
})
