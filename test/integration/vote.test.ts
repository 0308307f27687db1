/**
 * The majority vote against real chronyd servers: the true ones share this machine's clock
 * (offset 0), the liars run under faketime. Nothing here sets the clock (-q and -d only).
 *
 * Address block of this file: 127.0.8.x (ports 12810-12829).
 */
import t from 'tap'
import { startChronyd, type Chronyd } from '../helpers/chronyd.js'
import { replyTo, startScriptServer, type Handler } from '../helpers/script-server.js'
import { lines, parsePrefixedLine, parseQueryOutput, runCli, describeRun } from '../helpers/cli.js'

const SAMPLES = ['-p', '2', '--gap', '0.05']
const LIE = 2.5

let good: Chronyd
let good2: Chronyd
let liar: Chronyd
let liar2: Chronyd

t.before(async () => {
  ;[good, good2, liar, liar2] = await Promise.all([
    startChronyd(t, { address: '127.0.8.11', port: 12811 }),
    startChronyd(t, { address: '127.0.8.12', port: 12812 }),
    startChronyd(t, { address: '127.0.8.13', port: 12813, fakeOffsetSeconds: LIE }),
    startChronyd(t, { address: '127.0.8.14', port: 12814, fakeOffsetSeconds: LIE }),
  ])
})

function verdictOf(stdout: string, server: Chronyd): string | undefined {
  return lines(stdout).find((line) => line.startsWith(`${server.spec}: `))
}

t.test('one liar among two true servers is a falseticker and is not used', async (t) => {
  const r = await runCli(['-d', ...SAMPLES, liar.spec, good.spec, good2.spec])
  t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
  const final = parseQueryOutput(r.stdout).final
  t.ok(final && Math.abs(final.offset) < 0.001, `offset ${final?.offset} is the true one`)
  t.not(final?.server, liar.spec)
  t.match(verdictOf(r.stdout, liar), /: dropped, falseticker, \+2\.\d+ ±0\.\d+ misses the majority's interval \[/)
  t.match(verdictOf(r.stdout, good), /: (selected|truechimer)/)
  t.match(verdictOf(r.stdout, good2), /: (selected|truechimer)/)
})

t.test('two agreeing servers outvote a lone one (classic ntpdate keeps the lone one)', async (t) => {
  const r = await runCli(['-d', ...SAMPLES, good.spec, liar.spec, liar2.spec])
  t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
  const final = parseQueryOutput(r.stdout).final
  t.ok(final && Math.abs(final.offset - LIE) < 0.01, `offset ${final?.offset} is the majority's`)
  t.match(verdictOf(r.stdout, good), /: dropped, falseticker/)
})

t.test('two servers that disagree: no majority, exit 1, both named with the spread', async (t) => {
  const r = await runCli(['-q', ...SAMPLES, good.spec, liar.spec])
  t.equal(r.code, 1, 'exit 1', { output: describeRun(r) })
  t.equal(parseQueryOutput(r.stdout).servers.length, 2, 'both server lines are still printed')
  t.equal(parseQueryOutput(r.stdout).final, undefined, 'no result line')
  const errors = lines(r.stderr)
  t.equal(errors.length, 1, 'one line')
  const message = parsePrefixedLine(errors[0] ?? '')?.message ?? ''
  t.match(message, new RegExp(`^no majority agrees among 2 servers \\(${good.spec.replace(/\./g, '\\.')} [+-]0\\.0\\d+ ±`))
  t.match(message, new RegExp(`${liar.spec.replace(/\./g, '\\.')} \\+2\\.\\d+ ±`))
  t.match(message, /; they disagree by 2\.\d+ s, clock left untouched$/)
})

t.test('a single server is its own majority', async (t) => {
  const r = await runCli(['-q', ...SAMPLES, liar.spec])
  t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
  t.ok(Math.abs((parseQueryOutput(r.stdout).final?.offset ?? 0) - LIE) < 0.01)
})

t.test('three LAN servers within ±0.4 ms that claim no root delay or dispersion agree (RFC 5905 MINDISP)', async (t) => {
  // A GPS box on the same switch: stratum 1, root delay and dispersion 0. Without MINDISP each
  // interval is a few µs wide, the three do not overlap, and the vote finds no majority.
  const lan =
    (aheadSeconds: number): Handler =>
    (request, from, server) =>
      server.send(replyTo(request, { stratum: 1, referenceId: 0x47505300, rootDelay: 0, rootDispersion: 0 }, aheadSeconds), from)
  const [early, late] = await Promise.all([startScriptServer(t, '127.0.8.21', lan(-0.0004)), startScriptServer(t, '127.0.8.22', lan(0.0004))])
  const specs = [`127.0.8.21:${early.port}`, good.spec, `127.0.8.22:${late.port}`]
  const r = await runCli(['-d', ...SAMPLES, ...specs])
  t.equal(r.code, 0, 'exit 0: a majority', { output: describeRun(r) })
  const verdicts = specs.map((spec) => lines(r.stdout).find((line) => line.startsWith(`${spec}: `)) ?? '')
  for (const [i, verdict] of verdicts.entries()) t.match(verdict, /: (selected|truechimer, not selected), /, `${specs[i]} agrees`)
  const final = parseQueryOutput(r.stdout).final
  t.ok(final && Math.abs(final.offset) < 0.0006, `offset ${final?.offset} within the three`)
})
