/** src/cli/publish.ts and main's --json terminal: what --json and --metrics-file get, whatever the run's end. */
import t from 'tap'
import { readCommandLine } from '../../../src/cli/args.js'
import { createOutput } from '../../../src/cli/output.js'
import { publish } from '../../../src/cli/publish.js'
import { noFindings, type RunFacts } from '../../../src/report/json.js'
import { selectServer } from '../../../src/select/select.js'
import { observed, sampleOf, server } from '../../helpers/unit.js'

function harness(writeFails?: Error) {
  const stdout: string[] = []
  const stderr: string[] = []
  const written: { path: string; text: string }[] = []
  const deps = {
    pid: 7,
    stdout: (line: string) => stdout.push(line),
    stderr: (line: string) => stderr.push(line),
    localTime: () => new Date(2026, 11, 2, 18, 0, 0),
    writeFileAtomically: async (path: string, text: string) => {
      if (writeFails) throw writeFails
      written.push({ path, text })
    },
  }
  return { deps, output: createOutput(deps), stdout, stderr, written }
}

const ended = (exitCode: number, error?: string): RunFacts => ({ ...noFindings(), version: '9.9.9', maxOffset: undefined, exitCode, error })

t.test('--json: one document of the run facts', async (t) => {
  const h = harness()
  const on = server('10.0.0.1')
  const observations = [observed(on, [sampleOf({ delay: 0.001, offset: 0.25 })])]
  const facts = { ...ended(0), observations, selection: selectServer(observations, 0n), outcome: { kind: 'report', server: on, method: 'slew', offset: 0.25 } as const }
  await publish(facts, { json: true, metricsFile: undefined }, h.output, h.deps)
  t.equal(h.stdout.length, 1, 'one document')
  const doc = JSON.parse(h.stdout[0] ?? '{}') as Record<string, unknown>
  t.match(doc, { version: '9.9.9', outcome: 'report', action: 'query', selected: '10.0.0.1', offset: 0.25, exitCode: 0, error: null })
})

t.test('a failed run: the document says how it ended', async (t) => {
  const h = harness()
  await publish(ended(1, 'no server suitable for synchronization found'), { json: true, metricsFile: undefined }, h.output, h.deps)
  t.match(JSON.parse(h.stdout[0] ?? '{}'), { outcome: null, exitCode: 1, error: 'no server suitable for synchronization found', servers: [] })
})

t.test('a command line that does not parse says whether it asked for --json (before any --)', async (t) => {
  t.same(readCommandLine(['--json', '--bogus']), { usage: "unknown option '--bogus'", json: true })
  t.same(readCommandLine(['--bogus']), { usage: "unknown option '--bogus'", json: false })
  t.match(readCommandLine(['--bogus', '--', '--json']), { json: false }, 'not after --')
})

t.test('--metrics-file: written whatever the outcome; a failed write is one warning', async (t) => {
  const ok = harness()
  await publish(ended(1), { json: false, metricsFile: '/tmp/x.prom' }, ok.output, ok.deps)
  t.equal(ok.written[0]?.path, '/tmp/x.prom')
  t.match(ok.written[0]?.text, /^tsntpdate_exit_code 1$/m)
  t.same(ok.stdout, [], 'no document without --json')
  const failing = harness(Object.assign(new Error("EACCES: permission denied, open '/tmp/.x.prom.1'"), { code: 'EACCES' }))
  await publish(ended(0), { json: false, metricsFile: '/tmp/x.prom' }, failing.output, failing.deps)
  t.match(failing.stderr, [/cannot write metrics file \/tmp\/x\.prom: EACCES: permission denied$/])
})
