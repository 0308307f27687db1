/**
 * The real CLI against scripted fault servers (test/helpers/fault-server.ts), alone and next to a
 * real chronyd: the exit status each fault leads to, that the good server still wins, and that -d
 * says why every reply or server was dropped. Nothing may crash.
 * Address block of this file: 127.0.6.x (chronyd on 127.0.6.1:12601 and 127.0.6.2:12602, fault
 * servers on 127.0.6.9, port 0).
 */
import t, { type Test } from 'tap'
import { startChronyd } from '../helpers/chronyd.js'
import { lines, parsePrefixedLine, parseQueryOutput, PREFIXED_LINE, runCli, type CliResult, describeRun } from '../helpers/cli.js'
import { FAULT_MODES, startFaultServer, type FaultMode, type FaultOptions, type FaultServer } from '../helpers/fault-server.js'

const FAULT_ADDRESS = '127.0.6.9'
const [good, good2] = await Promise.all([startChronyd(t, { address: '127.0.6.1', port: 12601 }), startChronyd(t, { address: '127.0.6.2', port: 12602 })])

const NO_SERVER = 'no server suitable for synchronization found'
/** for faults whose replies never count: the run lasts the timeout, so keep it short */
const SHORT_WAIT = ['-t', '0.5']
/**
 * Four samples 0.25 s apart: room for requests that must not be sent. (A kiss that takes longer
 * than the gap to come back lets the next request go out: too short a gap would be flaky on a busy
 * machine.)
 */
const FOUR = ['-p', '4', '--gap', '0.25']
/** what a liar on the path would like our clock to do */
const ATTACK_SHIFT = 1000

interface FaultCase {
  mode: FaultMode
  /** the test's name; default: the mode */
  title?: string
  options?: FaultOptions
  /** default: SHORT_WAIT when no reply of it counts (verdict 'no reply'), else none (the run ends with the reply) */
  args?: readonly string[]
  /** why -d says each of its datagrams was ignored (none ignored when absent) */
  ignored?: RegExp
  /** the -d verdict line about the fault server, after `ADDR:PORT: ` */
  verdict: RegExp
  /** … when a good chronyd is queried too (default: `verdict`) */
  verdictNextToGood?: RegExp
  /** exit status against the fault server alone */
  alone: 0 | 1
  /** requests the fault server gets in a run, when that is the point */
  requests?: number
  /** next to a good chronyd, the good one is selected (else either may be: they agree) */
  goodWins: boolean
  /** a line the run prints on stderr (without the prefix), with or without -d */
  stderr?: (fault: FaultServer) => RegExp
}

const SELECTED_OR_NOT = /^(selected|truechimer, not selected)/
const NO_REPLY = /^dropped, no reply within the timeout$/
const rateLimitLine = (fault: FaultServer) => new RegExp(`^${escape(fault.address)}(:${fault.port})? rate limit response from server\\.$`)

const CASES: readonly FaultCase[] = [
  { mode: 'good', verdict: /^selected/, verdictNextToGood: SELECTED_OR_NOT, alone: 0, goodWins: false },
  // Kiss-o'-Death (RFC 5905 §7.4): obeyed, since nonce and source match
  { mode: 'kod-deny', args: FOUR, verdict: /^dropped, kiss-o'-death DENY/, alone: 1, requests: 1, goodWins: true },
  { mode: 'kod-rstr', args: FOUR, verdict: /^dropped, kiss-o'-death RSTR/, alone: 1, requests: 1, goodWins: true },
  {
    mode: 'kod-deny',
    title: 'kod-deny after a correct reply: the server is dropped all the same',
    options: { correctFirst: 1 },
    args: FOUR,
    verdict: /^dropped, kiss-o'-death DENY/,
    alone: 1,
    requests: 2,
    goodWins: true,
  },
  {
    mode: 'kod-rate',
    args: FOUR,
    verdict: /^dropped, kiss-o'-death RATE/,
    alone: 1,
    requests: 1,
    goodWins: true,
    stderr: rateLimitLine,
  },
  {
    mode: 'kod-rate-bare',
    title: 'a RATE kiss without timestamps is obeyed all the same',
    args: FOUR,
    verdict: /^dropped, kiss-o'-death RATE/,
    alone: 1,
    requests: 1,
    goodWins: true,
    stderr: rateLimitLine,
  },
  {
    mode: 'kod-rate',
    title: 'kod-rate after two correct replies: no more requests, the two samples still count',
    options: { correctFirst: 2 },
    args: FOUR,
    verdict: /^selected/,
    verdictNextToGood: SELECTED_OR_NOT,
    alone: 0,
    requests: 3,
    goodWins: false,
    stderr: rateLimitLine,
  },
  // "Is this a reply to me?": the datagram is ignored, the request times out
  {
    mode: 'forged-origin',
    title: 'ntpdig accepts a forged origin timestamp (measured); tsntpdate ignores it',
    options: { shiftSeconds: ATTACK_SHIFT },
    ignored: /^origin timestamp matches no request of ours$/,
    verdict: NO_REPLY,
    alone: 1,
    goodWins: true,
  },
  {
    mode: 'other-port',
    title: 'ntpdig accepts a reply from the wrong source port (measured); tsntpdate ignores it',
    options: { shiftSeconds: ATTACK_SHIFT },
    ignored: new RegExp(`^reply from unexpected source ${escape(FAULT_ADDRESS)}:\\d+$`),
    verdict: NO_REPLY,
    alone: 1,
    goodWins: true,
  },
  {
    mode: 'zero-transmit',
    title: 'ntpdig accepts a zero transmit timestamp (measured); tsntpdate ignores it',
    ignored: /^transmit timestamp is zero$/,
    verdict: NO_REPLY,
    alone: 1,
    goodWins: true,
  },
  {
    mode: 'bad-extension',
    title: 'classic ntpdate accepts a malformed extension field (measured); tsntpdate ignores it',
    options: { shiftSeconds: ATTACK_SHIFT },
    ignored: /^malformed packet: bad extension field length 4096 at byte 48$/,
    verdict: NO_REPLY,
    alone: 1,
    goodWins: true,
  },
  { mode: 'garbage', ignored: /^malformed packet: trailing 13 bytes/, verdict: NO_REPLY, alone: 1, goodWins: true },
  { mode: 'short', ignored: /^malformed packet: packet too short: 40 bytes/, verdict: NO_REPLY, alone: 1, goodWins: true },
  { mode: 'oversized', ignored: /^malformed packet: /, verdict: NO_REPLY, alone: 1, goodWins: true },
  { mode: 'client-mode', ignored: /^mode 3, not a server reply \(4\)$/, verdict: NO_REPLY, alone: 1, goodWins: true },
  { mode: 'wrong-version', ignored: /^unsupported NTP version 0$/, verdict: NO_REPLY, alone: 1, goodWins: true },
  // "Is the server good enough?": the reply is ours, the server is rejected
  { mode: 'leap-3', verdict: /^dropped, server is unsynchronized \(leap indicator 3\)/, alone: 1, goodWins: true },
  { mode: 'stratum-16', verdict: /^dropped, stratum 16 is outside 1-15/, alone: 1, goodWins: true },
  {
    mode: 'stratum-0',
    title: 'stratum-0 (a kiss code nobody knows)',
    verdict: /^dropped, kiss-o'-death ZZZZ \(unknown code\)/,
    alone: 1,
    goodWins: true,
  },
  {
    mode: 'future-reference',
    verdict: /^dropped, reference timestamp is 3600\.\d+ s after the transmit timestamp/,
    alone: 1,
    goodWins: true,
  },
  { mode: 'stale-reference', verdict: /^dropped, reference clock last read 48\.0 h ago/, alone: 1, goodWins: true },
  { mode: 'huge-root-distance', verdict: /^dropped, root distance 2\.\d+ s is above 1\.5 s/, alone: 1, goodWins: true },
  {
    mode: 'transmit-before-receive',
    verdict: /^dropped, transmit timestamp is before receive timestamp/,
    alone: 1,
    goodWins: true,
  },
  // silence and lateness
  { mode: 'silent', verdict: NO_REPLY, alone: 1, goodWins: true },
  {
    mode: 'slow',
    title: 'slow, beyond the timeout',
    options: { delayMs: 1500 },
    verdict: NO_REPLY,
    alone: 1,
    goodWins: true,
  },
  {
    mode: 'slow',
    title: 'slow, within the timeout: a 100 ms round trip loses to chronyd on delay',
    options: { delayMs: 100 },
    verdict: /^selected/,
    verdictNextToGood: /^truechimer, not selected, delay 0\.\d+ s is above/,
    alone: 0,
    goodWins: true,
  },
  {
    mode: 'duplicate',
    // the second request keeps the run going while the first reply's copy arrives
    args: ['-p', '2', '--gap', '0.2'],
    ignored: /^duplicate reply to a request already answered$/,
    verdict: /^selected/,
    verdictNextToGood: SELECTED_OR_NOT,
    alone: 0,
    goodWins: false,
  },
]

t.test('every fault mode of the fixture is tested here', async (t) => {
  const tested = new Set(CASES.map((c) => c.mode).concat('shifted'))
  t.same(
    FAULT_MODES.filter((mode) => !tested.has(mode)),
    [],
  )
})

for (const fault of CASES) {
  t.test(fault.title ?? fault.mode, async (t) => {
    t.jobs = 3 // the three runs below each have a fault server of their own
    const args = fault.args ?? (fault.verdict === NO_REPLY ? SHORT_WAIT : [])

    t.test(`alone, -q -d: exit ${fault.alone}, and -d says why`, async (t) => {
      const server = await startFaultServer(t, FAULT_ADDRESS, fault.mode, fault.options)
      const r = await runCli(['-q', '-d', ...args, server.spec])
      expectNoCrash(t, r)
      t.equal(r.code, fault.alone, `exit ${fault.alone}`, { output: describeRun(r) })
      t.match(verdictOf(r, server), fault.verdict, 'the verdict line says why')
      expectIgnoredExplained(t, r, server, fault)
      if (fault.requests !== undefined) t.equal(server.requests.length, fault.requests, `${fault.requests} request(s) reached it`)
      if (fault.alone === 0) t.equal(parseQueryOutput(r.stdout).final?.server, server.spec, 'it is selected')
      else t.equal(parseQueryOutput(r.stdout).final, undefined, 'no final line')
      expectStderr(t, r, server, fault)
      const said = messages(r.stderr).join(' | ') || '(none)'
      const dropped = ignoredReasons(r, server)[0]
      const why = `-d: ${verdictOf(r, server)}${dropped ? `; ignored: ${dropped}` : ''}`
      t.comment(`${fault.title ?? fault.mode}: exit ${r.code}; stderr: ${said}; ${why}`)
    })

    t.test(`alone, -q: exit ${fault.alone}, no trace`, async (t) => {
      const server = await startFaultServer(t, FAULT_ADDRESS, fault.mode, fault.options)
      const r = await runCli(['-q', ...args, server.spec])
      expectNoCrash(t, r)
      t.equal(r.code, fault.alone, `exit ${fault.alone}`, { output: describeRun(r) })
      const out = parseQueryOutput(r.stdout)
      t.same(out.other, [], 'stdout has only server lines and the final line')
      if (fault.requests !== undefined) t.equal(server.requests.length, fault.requests, `${fault.requests} request(s) reached it`)
      expectStderr(t, r, server, fault)
    })

    t.test(`next to a good chronyd: exit 0${fault.goodWins ? ', the good one wins' : ''}`, async (t) => {
      const server = await startFaultServer(t, FAULT_ADDRESS, fault.mode, fault.options)
      const r = await runCli(['-q', '-d', ...args, good.spec, server.spec])
      expectNoCrash(t, r)
      t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
      const out = parseQueryOutput(r.stdout)
      if (fault.goodWins) t.equal(out.final?.server, good.spec, 'the good server is selected')
      else t.ok([good.spec, server.spec].includes(out.final?.server ?? ''), 'one of the two agreeing servers is selected')
      t.ok(Math.abs(out.final?.offset ?? Infinity) < 0.01, `offset ${out.final?.offset} is the truth (~0), not the fault's`)
      t.match(verdictOf(r, server), fault.verdictNextToGood ?? fault.verdict, 'the verdict line says why')
      expectIgnoredExplained(t, r, server, fault)
      if (fault.requests !== undefined) t.equal(server.requests.length, fault.requests, `${fault.requests} request(s) reached it`)
    })
  })
}

t.test('shifted by 10 s: believed alone, outvoted by a majority, no majority one against one', async (t) => {
  t.test('alone: exit 0, offset +10 s', async (t) => {
    const server = await startFaultServer(t, FAULT_ADDRESS, 'shifted')
    const r = await runCli(['-q', '-d', server.spec])
    expectNoCrash(t, r)
    t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
    const offset = parseQueryOutput(r.stdout).final?.offset ?? 0
    t.ok(Math.abs(offset - 10) < 0.01, `offset ${offset} ≈ +10`)
  })
  t.test('next to two good servers: a good one wins, the shifted one is a falseticker', async (t) => {
    const server = await startFaultServer(t, FAULT_ADDRESS, 'shifted')
    const r = await runCli(['-q', '-d', good.spec, good2.spec, server.spec])
    expectNoCrash(t, r)
    t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
    const final = parseQueryOutput(r.stdout).final
    t.ok([good.spec, good2.spec].includes(final?.server ?? ''), `a good server is selected (${final?.server})`)
    t.match(verdictOf(r, server), /^dropped, falseticker/, 'the verdict line calls it a falseticker')
  })
  t.test('next to one good server: exit 1, the line names both and the 10 s between them', async (t) => {
    const server = await startFaultServer(t, FAULT_ADDRESS, 'shifted')
    const r = await runCli(['-q', good.spec, server.spec])
    expectNoCrash(t, r)
    t.equal(r.code, 1, 'exit 1', { output: describeRun(r) })
    const said = messages(r.stderr).join('\n')
    t.match(said, good.spec, 'names the good server')
    t.match(said, server.spec, 'names the shifted server')
    t.match(said, /\b(9\.9|10\.0)\d* s\b/, 'says by how much they disagree (~10 s)')
    t.comment(`shifted vs one good: exit ${r.code}; stderr: ${messages(r.stderr).join(' | ')}`)
  })
})

t.test('-d: no "ignored" summary when nothing was ignored', async (t) => {
  const r = await runCli(['-q', '-d', good.spec])
  t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
  t.same(
    lines(r.stdout).filter((line) => line.startsWith('ignored ')),
    [],
    'no line starts with "ignored "',
  )
})

t.test('-d: several faults at once are all explained, and the summary counts them by reason', async (t) => {
  const modes = ['forged-origin', 'other-port', 'short', 'client-mode'] as const
  const servers = await Promise.all(modes.map((mode) => startFaultServer(t, FAULT_ADDRESS, mode)))
  const r = await runCli(['-q', '-d', ...SHORT_WAIT, good.spec, ...servers.map((s) => s.spec)])
  expectNoCrash(t, r)
  t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
  t.equal(parseQueryOutput(r.stdout).final?.server, good.spec, 'the good server is selected')
  const traced = lines(r.stdout).filter((line) => line.startsWith('ignored datagram from '))
  t.equal(traced.length, 4, 'one ignored-datagram line per fault server')
  const summary = summaryOf(r)
  t.match(summary, /^ignored 4 datagrams: /, 'the summary counts all four')
  for (const kind of ['unknown-origin', 'wrong-source', 'malformed', 'not-server-mode']) {
    t.match(summary, new RegExp(`\\b1 ${kind}\\b`), `one ${kind}`)
  }
})

/** -d's verdict line about `server`, without the `ADDR:PORT: ` in front. */
function verdictOf(r: CliResult, server: FaultServer): string {
  const head = `${server.spec}: `
  return (
    lines(r.stdout)
      .find((line) => line.startsWith(head))
      ?.slice(head.length) ?? '(no verdict line)'
  )
}

/** The end-of-run summary of -d (`ignored 3 datagrams: …`), not a per-datagram trace line. */
function summaryOf(r: CliResult): string | undefined {
  return lines(r.stdout).find((line) => line.startsWith('ignored ') && !line.startsWith('ignored datagram from '))
}

/** The reasons -d gives for ignoring datagrams from the fault server's address (any port). */
function ignoredReasons(r: CliResult, server: FaultServer): string[] {
  const head = `ignored datagram from ${server.address} port `
  return lines(r.stdout)
    .filter((line) => line.startsWith(head))
    .map((line) => line.replace(/^ignored datagram from \S+ port \d+: /, ''))
}

function expectIgnoredExplained(t: Test, r: CliResult, server: FaultServer, fault: FaultCase): void {
  const reasons = ignoredReasons(r, server)
  if (!fault.ignored) {
    t.same(reasons, [], 'no datagram of it was ignored')
    return
  }
  t.ok(reasons.length >= 1, 'its datagrams are ignored', { stdout: r.stdout })
  for (const reason of reasons) t.match(reason, fault.ignored, 'with the reason')
  t.match(summaryOf(r), /^ignored \d+ datagrams?: /, 'and the summary at the end counts them')
}

function expectStderr(t: Test, r: CliResult, server: FaultServer, fault: FaultCase): void {
  for (const line of lines(r.stderr)) t.match(line, PREFIXED_LINE, 'stderr lines carry the ntpdate prefix')
  const said = messages(r.stderr)
  if (fault.alone === 1) t.ok(said.includes(NO_SERVER), `stderr says "${NO_SERVER}"`, { stderr: r.stderr })
  else t.notOk(said.includes(NO_SERVER), 'no "no server" line')
  const wanted = fault.stderr?.(server)
  if (wanted)
    t.ok(
      said.some((m) => wanted.test(m)),
      `stderr has ${wanted}`,
      { stderr: r.stderr },
    )
  const expected = (fault.alone === 1 ? 1 : 0) + (fault.stderr ? 1 : 0)
  t.equal(said.length, expected, `${expected} line(s) on stderr`, { stderr: r.stderr })
}

/** Never an internal error, a signal or a stack trace, whatever came over the wire. */
function expectNoCrash(t: Test, r: CliResult): void {
  t.equal(r.signal, null, 'not killed')
  t.not(r.code, 70, 'not an internal error (70)')
  t.notMatch(r.stderr, /internal error/, 'no "internal error"')
  t.notMatch(r.stderr, /^\s+at /m, 'no stack trace')
}

function messages(stderr: string): string[] {
  return lines(stderr).map((line) => parsePrefixedLine(line)?.message ?? line)
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
