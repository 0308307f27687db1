/**
 * --json, --max-offset and --metrics-file through the real CLI, against real chronyd servers on
 * loopback (one under faketime, 2.5 s ahead: the liar), a scripted kiss-o'-death server and a
 * port where nothing answers. Nothing here sets the clock: the one run that asks to is refused by
 * --max-step and, as root, also runs without CAP_SYS_TIME.
 *
 * Address block of this file: 127.0.11.x, ports 11101-11199.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { deadEndpoint, startChronyd } from '../helpers/chronyd.js'
import { runCli, lines, PREFIXED_LINE, type CliResult, describeRun } from '../helpers/cli.js'
import { startFaultServer } from '../helpers/fault-server.js'

const [good, good2, liar] = await Promise.all([
  startChronyd(t, { address: '127.0.11.1', port: 11101 }),
  startChronyd(t, { address: '127.0.11.2', port: 11102 }),
  startChronyd(t, { address: '127.0.11.3', port: 11103, fakeOffsetSeconds: 2.5 }),
])
const dead = await deadEndpoint('127.0.11.9')
const denier = await startFaultServer(t, '127.0.11.20', 'kod-deny')

/** Root keeps its other powers but cannot set the clock; anyone else cannot anyway. */

type Json = Record<string, unknown>

const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v)
const numberOrNull = (v: unknown) => v === null || isNumber(v)
const STATUS = /^(selected|truechimer|falseticker|no-majority|kod:.+|no-reply|unresolvable|rejected:[a-z-]+)$/

/** stdout is exactly one JSON document matching the documented schema (docs/usage.md, JSON); returns it. */
function jsonOf(t: Test, r: CliResult): Json {
  let doc: Json
  try {
    doc = JSON.parse(r.stdout) as Json
  } catch (error) {
    t.fail(`stdout is not one JSON document: ${(error as Error).message}`, { output: describeRun(r) })
    return {}
  }
  t.same(
    Object.keys(doc).sort(),
    ['action', 'agreement', 'error', 'exitCode', 'frequency', 'intersection', 'maxOffset', 'method', 'offset', 'outcome', 'selected', 'servers', 'version'],
    'the top-level keys',
  )
  t.equal(typeof doc['version'], 'string')
  t.equal(doc['exitCode'], r.code, 'exitCode is the exit status')
  t.ok(['query', 'step', 'slew', 'none'].includes(doc['action'] as string), 'action')
  t.ok([null, 'no-server', 'no-majority', 'report', 'check-failed', 'set', 'beyond-max-step', 'daemon-keeps-clock'].includes(doc['outcome'] as string | null), 'outcome')
  t.ok([null, 'step', 'slew'].includes(doc['method'] as string | null), 'method')
  t.ok(['majority', 'no-majority', 'none'].includes(doc['agreement'] as string), 'agreement')
  t.ok(numberOrNull(doc['offset']), 'offset: number or null')
  t.ok(numberOrNull(doc['maxOffset']), 'maxOffset: number or null')
  t.ok(doc['frequency'] === null || typeof doc['frequency'] === 'object', 'frequency: an object or null')
  t.ok(doc['selected'] === null || typeof doc['selected'] === 'string', 'selected: string or null')
  t.ok(r.code === 0 ? doc['error'] === null : typeof doc['error'] === 'string', 'error: a message exactly when the run failed')
  const intersection = doc['intersection'] as Json | null
  t.ok(intersection === null || (isNumber(intersection['low']) && isNumber(intersection['high'])), 'intersection')
  t.ok(Array.isArray(doc['servers']), 'servers[]')
  for (const s of doc['servers'] as Json[]) {
    const where = `${String(s['name'])}:${String(s['port'])}`
    t.match(s, { name: String, port: Number, status: STATUS, rateLimited: Boolean, samples: Array, kisses: Array }, `${where}: fields`)
    t.ok(s['address'] === null || typeof s['address'] === 'string', `${where}: address`)
    t.ok(s['reason'] === null || typeof s['reason'] === 'string', `${where}: reason`)
    t.ok(s['refid'] === null || typeof s['refid'] === 'string', `${where}: refid`)
    for (const key of ['stratum', 'leap', 'rootDelay', 'rootDispersion', 'rootDistance', 'offset', 'delay']) {
      t.ok(numberOrNull(s[key]), `${where}: ${key} is a number or null`)
    }
    for (const sample of s['samples'] as Json[]) {
      for (const key of ['offset', 'delay', 'dispersion', 'rootDistance', 'stratum', 'leap', 'sentAt', 'receivedAt']) {
        t.ok(isNumber(sample[key]), `${where}: sample ${key} is a number`)
      }
      t.ok(Math.abs((sample['sentAt'] as number) - Date.now() / 1000) < 60, `${where}: sentAt is Unix seconds of now`)
    }
  }
  return doc
}

const serversOf = (doc: Json) => doc['servers'] as Json[]
const statusOf = (doc: Json, address: string, port: number) => serversOf(doc).find((s) => s['address'] === address && s['port'] === port)?.['status']

t.test('--json -q against a real server: one document, nothing else on stdout', async (t) => {
  const r = await runCli(['--json', '-q', good.spec, good2.spec])
  t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
  t.equal(r.stderr, '', 'nothing on stderr')
  const doc = jsonOf(t, r)
  t.match(doc, { action: 'query', agreement: 'majority', exitCode: 0, error: null, maxOffset: null })
  t.ok(Math.abs(doc['offset'] as number) < 0.01, `offset ${String(doc['offset'])} is near 0 (same clock)`)
  t.ok([good.spec, good2.spec].includes(doc['selected'] as string), 'selected names one of them as ADDR:PORT')
  t.same(
    serversOf(doc)
      .map((s) => s['status'])
      .sort(),
    ['selected', 'truechimer'],
  )
  const first = serversOf(doc)[0]!
  t.match(first, { name: '127.0.11.1', address: '127.0.11.1', port: 11101, stratum: 2, leap: 0 })
  t.equal((first['samples'] as Json[]).length, 1, '-q: one sample')
  t.equal(first['offset'], (first['samples'] as Json[])[0]!['offset'], "the server's offset is its best sample's")
})

t.test('--json for a clock change that is refused: exit 4, the document still printed', async (t) => {
  // a set run needs CAP_SYS_TIME to get as far as --max-step; the 2.5 s liar is far beyond 1 µs
  if (process.getuid?.() !== 0 && !process.env['CI']) return void t.comment('skipped: needs root (CAP_SYS_TIME)')
  const r = await runCli(['--json', '-b', '-p', '1', '--max-step', '0.000001', '--force', liar.spec])
  t.equal(r.code, 4, 'exit 4', { output: describeRun(r) })
  const doc = jsonOf(t, r)
  t.match(doc, { action: 'none', method: 'step', selected: liar.spec, error: /^refusing to step the clock by \+2\.\d{6} s, more than --max-step /, exitCode: 4 })
  t.ok(Math.abs((doc['offset'] as number) - 2.5) < 0.01, 'the offset it would have stepped by')
  t.equal(lines(r.stderr).length, 1, 'the error line on stderr too')
  t.match(lines(r.stderr)[0], PREFIXED_LINE)
})

t.test('--json with no usable server: exit 1, the silent server as no-reply', async (t) => {
  const r = await runCli(['--json', '-q', '-t', '0.3', dead.spec])
  t.equal(r.code, 1, 'exit 1', { output: describeRun(r) })
  const doc = jsonOf(t, r)
  t.match(doc, { selected: null, offset: null, action: 'none', agreement: 'none', error: 'no server suitable for synchronization found' })
  t.match(serversOf(doc), [{ address: '127.0.11.9', port: dead.port, status: 'no-reply', stratum: null, samples: [] }])
})

t.test('--json, two servers that disagree: no majority, exit 1, both with the no-majority status', async (t) => {
  const r = await runCli(['--json', '-q', good.spec, liar.spec])
  t.equal(r.code, 1, 'exit 1', { output: describeRun(r) })
  const doc = jsonOf(t, r)
  t.match(doc, { agreement: 'no-majority', intersection: null, selected: null, action: 'none', error: /^no majority agrees among 2 servers/ })
  t.equal(statusOf(doc, good.address, good.port), 'no-majority')
  t.equal(statusOf(doc, liar.address, liar.port), 'no-majority', 'nobody is called a liar without a majority')
  t.match(doc, { outcome: 'no-majority' })
})

t.test('--json, three servers, one liar: the liar is the falseticker', async (t) => {
  const r = await runCli(['--json', '-q', good.spec, liar.spec, good2.spec])
  t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
  const doc = jsonOf(t, r)
  t.equal(statusOf(doc, liar.address, liar.port), 'falseticker')
  const liarEntry = serversOf(doc).find((s) => s['port'] === liar.port)!
  t.ok(Math.abs((liarEntry['offset'] as number) - 2.5) < 0.01, 'its offset is reported all the same')
  t.match(liarEntry['reason'], /misses the majority's interval/)
  t.ok([good.spec, good2.spec].includes(doc['selected'] as string), 'a good server is selected')
  t.match(doc, { agreement: 'majority', intersection: { low: Number, high: Number } })
})

t.test('--json: a name that does not resolve is listed as unresolvable; a kiss-o-death as kod:DENY', async (t) => {
  const r = await runCli(['--json', '-q', 'nonexistent.invalid', good.spec, denier.spec])
  t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
  const doc = jsonOf(t, r)
  const unresolvable = serversOf(doc).find((s) => s['name'] === 'nonexistent.invalid')
  t.match(unresolvable, { address: null, port: 123, status: 'unresolvable', reason: /\S/, samples: [] })
  t.equal(statusOf(doc, denier.address, denier.port), 'kod:DENY')
  t.equal(statusOf(doc, good.address, good.port), 'selected')
  t.match(r.stderr, /Can't find host nonexistent\.invalid/, 'the warning stays on stderr')

  const alone = await runCli(['--json', '-q', 'nonexistent.invalid'])
  t.equal(alone.code, 1, 'nothing else: exit 1', { output: describeRun(alone) })
  t.match(jsonOf(t, alone), { servers: [{ name: 'nonexistent.invalid', status: 'unresolvable' }], error: 'no servers can be used, exiting' })
})

t.test('--json on a bad command line: the usage line on stderr, a document with exit 2', async (t) => {
  const r = await runCli(['--json', '-p', '0', good.spec])
  t.equal(r.code, 2, { output: describeRun(r) })
  t.match(jsonOf(t, r), { exitCode: 2, error: "-p: '0' is not a whole number from 1 to 8", servers: [] })
  t.equal(lines(r.stderr).length, 1)
})

t.test('--max-offset: exit 3 with the excess against the liar, 0 against a good server, 1 with none', async (t) => {
  const over = await runCli(['--max-offset', '0.5', liar.spec])
  t.equal(over.code, 3, 'exit 3', { output: describeRun(over) })
  const [message] = lines(over.stderr)
  t.match(message, PREFIXED_LINE)
  const m = /offset \+(2\.\d{6}) s exceeds --max-offset 0\.5 s by ([12]\.\d{6}) s$/.exec(message ?? '')
  t.ok(m, 'the message says by how much', { found: message })
  if (m) t.ok(Math.abs(Number(m[1]) - 0.5 - Number(m[2])) < 2e-6, 'excess = |offset| - limit')
  t.match(over.stdout, /step time server 127\.0\.11\.3:11103 offset \+2\.\d/, 'the -q lines: it implies query only')

  const ok = await runCli(['--max-offset', '0.1', good.spec])
  t.equal(ok.code, 0, 'exit 0', { output: describeRun(ok) })
  t.equal(ok.stderr, '')

  const none = await runCli(['--max-offset', '0.1', '-t', '0.3', dead.spec])
  t.equal(none.code, 1, 'no usable server: exit 1', { output: describeRun(none) })

  const json = await runCli(['--json', '--max-offset', '0.5', liar.spec])
  t.equal(json.code, 3)
  t.match(jsonOf(t, json), { action: 'query', maxOffset: 0.5, error: /exceeds --max-offset 0\.5 s by [12]\.\d{6} s$/ })
})

/** Each line of a textfile-collector file: HELP, TYPE, or a sample of a family announced before. */
function parseMetrics(t: Test, text: string): Map<string, number> {
  const samples = new Map<string, number>()
  const typed = new Set<string>()
  t.ok(text.endsWith('\n'), 'ends with a newline')
  for (const line of lines(text)) {
    const help = /^# HELP (tsntpdate_[a-z_]+) \S.*$/.exec(line)
    const type = /^# TYPE (tsntpdate_[a-z_]+) gauge$/.exec(line)
    const sample = /^(tsntpdate_[a-z_]+)(\{(?:status|method)="[a-z-]+"\})? (-?\d+(\.\d+)?(e-?\d+)?)$/.exec(line)
    if (type) typed.add(type[1]!)
    else if (sample) {
      t.ok(typed.has(sample[1]!), `${sample[1]} has HELP and TYPE before its samples`)
      samples.set(sample[1]! + (sample[2] ?? ''), Number(sample[3]))
    } else t.ok(help, `a valid exposition line: ${line}`)
  }
  return samples
}

t.test('--metrics-file: written atomically, on success and on failure; unwritable is a warning', async (t) => {
  const dir = t.testdir()
  const path = join(dir, 'tsntpdate.prom')
  const before = Date.now() / 1000

  const ok = await runCli(['-q', '--metrics-file', path, good.spec])
  t.equal(ok.code, 0, { output: describeRun(ok) })
  t.same(readdirSync(dir), ['tsntpdate.prom'], 'the file, and no temp file left over')
  const m = parseMetrics(t, readFileSync(path, 'utf8'))
  t.equal(m.get('tsntpdate_success'), 1)
  t.equal(m.get('tsntpdate_exit_code'), 0)
  t.ok(Math.abs(m.get('tsntpdate_offset_seconds')!) < 0.01, 'offset')
  t.ok(m.get('tsntpdate_delay_seconds')! >= 0 && m.get('tsntpdate_delay_seconds')! < 0.1, 'delay')
  t.equal(m.get('tsntpdate_stratum'), 2)
  t.equal(m.get('tsntpdate_servers{status="selected"}'), 1)
  t.equal(m.get('tsntpdate_servers{status="no-reply"}'), 0)
  const stamp = m.get('tsntpdate_last_run_timestamp_seconds')!
  t.ok(stamp >= Math.floor(before) && stamp <= Date.now() / 1000 + 1, 'last-run time is now, in Unix seconds')

  const failed = await runCli(['--max-offset', '0.5', '--metrics-file', path, liar.spec, 'nonexistent.invalid'])
  t.equal(failed.code, 3, { output: describeRun(failed) })
  const f = parseMetrics(t, readFileSync(path, 'utf8'))
  t.equal(f.get('tsntpdate_success'), 0, 'replaced: success 0')
  t.equal(f.get('tsntpdate_exit_code'), 3)
  t.ok(Math.abs(f.get('tsntpdate_offset_seconds')! - 2.5) < 0.01, 'the offset that failed the check')
  t.equal(f.get('tsntpdate_servers{status="unresolvable"}'), 1)
  t.same(readdirSync(dir), ['tsntpdate.prom'])

  const missingDir = join(dir, 'no-such-dir', 'x.prom')
  const warned = await runCli(['-q', '--metrics-file', missingDir, good.spec])
  t.equal(warned.code, 0, 'the exit status of the time work', { output: describeRun(warned) })
  t.match(warned.stderr, new RegExp(`cannot write metrics file ${missingDir.replace(/[.]/g, '\\.')}: ENOENT: no such file or directory\\n$`))
  mkdirSync(join(dir, 'a-dir.prom'))
  const onDir = await runCli(['-q', '--metrics-file', join(dir, 'a-dir.prom'), good.spec])
  t.equal(onDir.code, 0, { output: describeRun(onDir) })
  t.match(onDir.stderr, /cannot write metrics file .*a-dir\.prom: it is a directory, not a regular file; left alone\n$/)
  t.same(readdirSync(dir).sort(), ['a-dir.prom', 'tsntpdate.prom'], 'no temp file left after a failed rename')
})
