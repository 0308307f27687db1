/** src/cli/run-report.ts: what --json and --metrics-file get, whatever the run's end. */
import t from 'tap'
import { parseArgs } from '../../../src/cli/args.js'
import { createOutput } from '../../../src/cli/output.js'
import { startRunReport, wantsJson } from '../../../src/cli/run-report.js'
import { selectServer } from '../../../src/select/select.js'
import { observed, sampleOf, server } from '../../helpers/unit.js'

function harness(argv: string[], writeFails?: Error) {
  const stdout: string[] = []
  const stderr: string[] = []
  const written: { path: string; text: string }[] = []
  const report = startRunReport(argv, {
    version: '9.9.9',
    pid: 7,
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
    localTime: () => new Date(2026, 11, 2, 18, 0, 0),
    writeFileAtomically: async (path, text) => {
      if (writeFails) throw writeFails
      written.push({ path, text })
    },
  })
  const output = createOutput(report.terminal)
  return { report, output, stdout, stderr, written }
}

t.test('--json: stdout carries the document and nothing else; the classic lines are dropped', async (t) => {
  const argv = ['--json', '-q', '10.0.0.1']
  const h = harness(argv)
  h.report.parsed(parseArgs(argv))
  const on = server('10.0.0.1')
  const observations = [observed(on, [sampleOf({ delay: 0.001, offset: 0.25 })])]
  h.report.selected(observations, selectServer(observations, 0n))
  h.output.print('server 10.0.0.1, stratum 2, offset +0.250000, delay 0.00100')
  h.report.decided({ kind: 'report', server: on, method: 'slew', offset: 0.25 })
  h.report.finished(0)
  await h.report.publish(h.output)
  t.equal(h.stdout.length, 1, 'one document')
  const doc = JSON.parse(h.stdout[0] ?? '{}') as Record<string, unknown>
  t.match(doc, { version: '9.9.9', outcome: 'report', action: 'query', selected: '10.0.0.1', offset: 0.25, exitCode: 0, error: null })
})

t.test('--json -d: the classic lines go to stderr with the trace', async (t) => {
  const argv = ['--json', '-d', '10.0.0.1']
  const h = harness(argv)
  h.report.parsed(parseArgs(argv))
  h.output.print('a trace line')
  h.report.finished(1, 'no server suitable for synchronization found')
  await h.report.publish(h.output)
  t.same(h.stderr, ['a trace line'])
  t.match(JSON.parse(h.stdout[0] ?? '{}'), { outcome: null, exitCode: 1, error: 'no server suitable for synchronization found' })
})

t.test('a command line that does not parse still gets a document when it asks for --json', async (t) => {
  const h = harness(['--json', '--bogus'])
  h.report.finished(2, "unknown option '--bogus'")
  await h.report.publish(h.output)
  t.match(JSON.parse(h.stdout[0] ?? '{}'), { exitCode: 2, servers: [] })
  t.equal(wantsJson(['--', '--json']), false, 'not after --')
})

t.test('--metrics-file: written whatever the outcome; a failed write is one warning and changes no status', async (t) => {
  const argv = ['--metrics-file', '/tmp/x.prom', '-q', '10.0.0.1']
  const ok = harness(argv)
  ok.report.parsed(parseArgs(argv))
  ok.report.finished(1)
  await ok.report.publish(ok.output)
  t.equal(ok.written[0]?.path, '/tmp/x.prom')
  t.match(ok.written[0]?.text, /^tsntpdate_exit_code 1$/m)
  const failing = harness(argv, Object.assign(new Error("EACCES: permission denied, open '/tmp/.x.prom.1'"), { code: 'EACCES' }))
  failing.report.parsed(parseArgs(argv))
  t.equal(failing.report.finished(0), 0)
  await failing.report.publish(failing.output)
  t.match(failing.stderr, [/cannot write metrics file \/tmp\/x\.prom: EACCES: permission denied$/])
})

t.test('--help publishes nothing', async (t) => {
  const h = harness(['--help', '--json', '--metrics-file', '/tmp/x.prom'])
  h.report.parsed(parseArgs(['--help', '--json', '--metrics-file', '/tmp/x.prom']))
  h.report.finished(0)
  await h.report.publish(h.output)
  t.same(h.stdout, [])
  t.same(h.written, [])
})
