/**
 * The real CLI against real chronyd servers on loopback (query only: nothing here sets the clock).
 * Address block of this file: 127.0.1.x, ports 12100-12199; also 127.0.0.1:12110 and [::1]:12111.
 */
import t, { type Test } from 'tap'
import { deadEndpoint, startChronyd } from '../helpers/chronyd.js'
import { FINAL_LINE, lines, median, micros, parseFinalLine, parsePrefixedLine, parseQueryOutput, PREFIXED_LINE, runCli, SERVER_LINE, type CliResult, describeRun } from '../helpers/cli.js'

const [truth, truth2, ahead, behind, local, v6] = await Promise.all([
  startChronyd(t, { address: '127.0.1.1', port: 12101 }),
  startChronyd(t, { address: '127.0.1.4', port: 12104 }),
  startChronyd(t, { address: '127.0.1.2', port: 12102, fakeOffsetSeconds: 2.5 }),
  startChronyd(t, { address: '127.0.1.3', port: 12103, fakeOffsetSeconds: -1.5 }),
  startChronyd(t, { address: '127.0.0.1', port: 12110 }),
  startChronyd(t, { address: '::1', port: 12111, ipv6: true }),
])
const dead = await deadEndpoint('127.0.1.9')
const dead2 = await deadEndpoint('127.0.1.10')

/** -p 4 --gap 0.05: a best-of-4 measurement that takes ~0.15 s */
const BEST_OF_4 = ['-p', '4', '--gap', '0.05']

/** A successful -q run: exit 0, empty stderr, server lines then the final line, nothing else. */
function expectQueryOk(t: Test, r: CliResult) {
  t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
  t.equal(r.stderr, '', 'nothing on stderr')
  const out = lines(r.stdout)
  const last = out[out.length - 1] ?? ''
  t.match(last, FINAL_LINE, 'the last line is the final line')
  for (const line of out.slice(0, -1)) t.match(line, SERVER_LINE, 'every other line is a server line')
  const parsed = parseQueryOutput(r.stdout)
  t.equal(parsed.final?.pid, r.pid, 'the final line carries the pid of the process')
  return parsed
}

t.test('-q A B: one server line per server, then the final line', async (t) => {
  const r = await runCli(['-q', truth.spec, truth2.spec])
  const out = expectQueryOk(t, r)
  t.equal(lines(r.stdout).length, 3, 'two server lines and the final line')
  t.same(
    out.servers.map((s) => s.server),
    [truth.spec, truth2.spec],
    'one line per server, as ADDR:PORT, in command-line order',
  )
  for (const s of out.servers) {
    t.equal(s.stratum, 2, `${s.server}: stratum 2`)
    t.ok(Math.abs(s.offset) < 0.01, `${s.server}: offset ${s.offset} is near 0`)
    t.ok(s.delay < 0.05, `${s.server}: delay ${s.delay} is a loopback delay`)
  }
  const final = out.final!
  t.equal(final.verb, 'adjust', 'a small offset is slewed (adjust)')
  const chosen = out.servers.find((s) => s.server === final.server)
  t.ok(chosen, `the final line names one of the servers (${final.server})`)
  t.equal(final.offset, chosen?.offset, "the final offset is the chosen server's offset")
})

t.test('a true server (offset 0): |offset| below 1 ms', async (t) => {
  const offsets: number[] = []
  const delays: number[] = []
  for (let run = 0; run < 7; run++) {
    const r = await runCli(['-q', ...BEST_OF_4, truth.spec])
    const out = expectQueryOk(t, r)
    t.equal(out.servers.length, 1, 'one server line')
    t.equal(out.final?.verb, 'adjust', 'adjust (|offset| < 0.5 s)')
    offsets.push(out.final!.offset)
    delays.push(out.servers[0]?.delay ?? NaN)
  }
  const errors = offsets.map(Math.abs)
  t.comment(
    `true-server offset error over ${offsets.length} runs of -q -p 4 --gap 0.05: ` +
      `min ${micros(Math.min(...errors))}, median ${micros(median(errors))}, max ${micros(Math.max(...errors))}; ` +
      `offsets [${offsets.map((o) => o.toFixed(6)).join(', ')}]; delays [${delays.map((d) => d.toFixed(5)).join(', ')}]`,
  )
  t.ok(median(errors) < 0.001, `median |offset| ${micros(median(errors))} < 1 ms`)
  t.ok(Math.max(...errors) < 0.001, `every run's |offset| < 1 ms (max ${micros(Math.max(...errors))})`)
})

for (const [server, shift] of [
  [ahead, 2.5],
  [behind, -1.5],
] as const) {
  t.test(`a server ${shift > 0 ? 'ahead' : 'behind'} by ${Math.abs(shift)} s (faketime): offset ${shift}, step`, async (t) => {
    const errors: number[] = []
    for (let run = 0; run < 3; run++) {
      const r = await runCli(['-q', ...BEST_OF_4, server.spec])
      const out = expectQueryOk(t, r)
      t.equal(out.servers[0]?.server, server.spec, 'its server line')
      const final = out.final!
      t.equal(final.server, server.spec, 'the final line names it')
      t.equal(final.verb, 'step', '|offset| >= 0.5 s: step time server')
      t.equal(Math.sign(final.offset), Math.sign(shift), `sign: offset > 0 means the local clock is behind`)
      errors.push(final.offset - shift)
      t.ok(Math.abs(final.offset - shift) < 0.001, `offset ${final.offset} is within 1 ms of ${shift}`)
    }
    t.comment(`faketime ${shift > 0 ? '+' : ''}${shift} s: errors (reported − shift) ${errors.map(micros).join(', ')}`)
  })
}

t.test('-q -B with a 2.5 s offset says adjust; -q -b with a tiny one says step', async (t) => {
  const slewed = expectQueryOk(t, await runCli(['-q', '-B', ahead.spec]))
  t.equal(slewed.final?.verb, 'adjust', '-B: adjust time server')
  t.ok(Math.abs((slewed.final?.offset ?? 0) - 2.5) < 0.002, `offset ${slewed.final?.offset} ≈ +2.5`)
  const stepped = expectQueryOk(t, await runCli(['-q', '-b', truth.spec]))
  t.equal(stepped.final?.verb, 'step', '-b: step time server')
  t.ok(Math.abs(stepped.final?.offset ?? 1) < 0.002, 'offset ≈ 0')
})

t.test('-q with two true servers and a faketime one: the lower-delay true one is chosen', async (t) => {
  const r = await runCli(['-q', ...BEST_OF_4, truth.spec, ahead.spec, truth2.spec])
  const out = expectQueryOk(t, r)
  t.same(
    out.servers.map((s) => s.server),
    [truth.spec, ahead.spec, truth2.spec],
    'a server line for each, the falseticker included',
  )
  const final = out.final!
  t.not(final.server, ahead.spec, 'the faketime server is outvoted')
  const chosen = out.servers.find((s) => s.server === final.server)
  const other = out.servers.find((s) => s.server !== final.server && s.server !== ahead.spec)
  t.equal(final.offset, chosen?.offset, "the final offset is the chosen server's")
  t.ok((chosen?.delay ?? Infinity) <= (other?.delay ?? -Infinity), `its delay ${chosen?.delay} <= the other's ${other?.delay}`)
  t.equal(final.verb, 'adjust')
  t.comment(`chosen ${final.server}; delays ${out.servers.map((s) => `${s.server} ${s.delay}`).join(', ')}`)
})

t.test('host:port forms', async (t) => {
  t.test('127.0.x.y:PORT', async (t) => {
    const out = expectQueryOk(t, await runCli(['-q', truth.spec]))
    t.equal(out.servers[0]?.server, '127.0.1.1:12101')
    t.equal(out.final?.server, '127.0.1.1:12101')
  })
  t.test('localhost:PORT resolves to 127.0.0.1', async (t) => {
    const r = await runCli(['-q', '-t', '1', `localhost:${local.port}`])
    const out = expectQueryOk(t, r)
    t.same(
      out.servers.map((s) => s.server),
      [`127.0.0.1:${local.port}`],
      'printed as the address, with the port',
    )
    t.equal(out.final?.server, `127.0.0.1:${local.port}`)
    const traced = await runCli(['-d', '-p', '1', '-t', '1', `localhost:${local.port}`])
    t.match(traced.stdout, /^resolved localhost to 127\.0\.0\.1\b/m, '-d says what the name resolved to')
  })
  t.test('[::1]:PORT is queried over IPv6 and printed as [::1]:PORT', async (t) => {
    const out = expectQueryOk(t, await runCli(['-q', v6.spec]))
    t.same(
      out.servers.map((s) => s.server),
      [`[::1]:${v6.port}`],
    )
    t.equal(out.servers[0]?.stratum, 2)
    t.equal(out.final?.server, `[::1]:${v6.port}`)
  })
  t.test('-6 [::1]:PORT works', async (t) => {
    const out = expectQueryOk(t, await runCli(['-q', '-6', v6.spec]))
    t.equal(out.final?.server, `[::1]:${v6.port}`)
  })
  t.test('-4 with only [::1]:PORT: no server can be used, exit 1', async (t) => {
    const r = await runCli(['-q', '-4', '-t', '1', v6.spec])
    t.equal(r.code, 1, 'exit 1', { output: describeRun(r) })
    t.equal(r.stdout, '', 'no server line, no final line')
    const errors = lines(r.stderr)
    t.ok(errors.length >= 1, 'says why on stderr')
    for (const line of errors) t.match(line, PREFIXED_LINE, 'stderr lines carry the ntpdate prefix')
    t.match(r.stderr, /no server/, 'stderr says no server could be used')
  })
  t.test('-6 with only 127.0.x.y:PORT: no server can be used, exit 1', async (t) => {
    const r = await runCli(['-q', '-6', '-t', '1', truth.spec])
    t.equal(r.code, 1, 'exit 1', { output: describeRun(r) })
    t.equal(r.stdout, '', 'no server line, no final line')
    t.match(r.stderr, /no server/, 'stderr says no server could be used')
  })
})

t.test('a dead server among live ones', async (t) => {
  const times: number[] = []
  for (let run = 0; run < 3; run++) {
    const r = await runCli(['-q', '-t', '1', truth.spec, dead.spec])
    times.push(r.ms)
    const out = expectQueryOk(t, r)
    t.same(
      out.servers.map((s) => s.server),
      [truth.spec],
      "the live server's line only; no line for the dead one",
    )
    t.notOk(r.stdout.includes(dead.spec), 'the dead server is not mentioned')
    t.equal(out.final?.server, truth.spec)
    t.ok(r.ms < 2000, `finished in ${r.ms.toFixed(0)} ms < t + 1 s = 2000 ms`)
  }
  t.comment(`-q -t 1 live dead: run times ${times.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`)
})

t.test('-d mentions the dead server with "no reply"', async (t) => {
  const r = await runCli(['-d', '-t', '1', '-p', '1', truth.spec, dead.spec])
  t.equal(r.code, 0, 'exit 0 (the live server is selected)', { output: describeRun(r) })
  const noReply = lines(r.stdout).filter((line) => line.includes(dead.spec) && line.includes('no reply'))
  t.ok(noReply.length >= 1, `a trace line names ${dead.spec} with "no reply"`, { output: r.stdout })
  t.notOk(
    lines(r.stdout).some((line) => line.includes(truth.spec) && line.includes('no reply')),
    'the live server is not said to have no reply',
  )
  t.match(lines(r.stdout).at(-1) ?? '', FINAL_LINE, 'the final line is printed (-d never sets the clock)')
})

t.test('only dead servers: exit 1, "no server suitable for synchronization found"', async (t) => {
  for (const servers of [[dead.spec], [dead.spec, dead2.spec]]) {
    const r = await runCli(['-q', '-t', '1', ...servers])
    t.equal(r.code, 1, `exit 1 for ${servers.join(' ')}`, { output: describeRun(r) })
    t.equal(r.stdout, '', 'nothing on stdout')
    const errors = lines(r.stderr)
    t.equal(errors.length, 1, 'one stderr line')
    t.equal(parsePrefixedLine(errors[0] ?? '')?.message, 'no server suitable for synchronization found')
    t.equal(parsePrefixedLine(errors[0] ?? '')?.pid, r.pid, 'with the pid of the process')
    t.ok(r.ms < 2000 * servers.length, `in ${r.ms.toFixed(0)} ms`)
  }
})

t.test('an unresolvable name among live servers: a warning, exit 0', async (t) => {
  const r = await runCli(['-q', 'nonexistent.invalid', truth.spec], { timeoutMs: 60_000 })
  t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
  const errors = lines(r.stderr)
  t.equal(errors.length, 1, 'one warning')
  t.match(errors[0] ?? '', PREFIXED_LINE, 'in the ntpdate prefix form')
  t.match(parsePrefixedLine(errors[0] ?? '')?.message ?? '', /^Can't find host nonexistent\.invalid\b/)
  const out = parseQueryOutput(r.stdout)
  t.same(
    out.servers.map((s) => s.server),
    [truth.spec],
  )
  t.equal(out.final?.server, truth.spec)
})

t.test('only an unresolvable name: exit 1', async (t) => {
  const r = await runCli(['-q', 'nonexistent.invalid'], { timeoutMs: 60_000 })
  t.equal(r.code, 1, 'exit 1', { output: describeRun(r) })
  t.equal(r.stdout, '')
  t.match(r.stderr, /Can't find host nonexistent\.invalid/)
  t.match(lines(r.stderr).at(-1) ?? '', /tsntpdate\[\d+\]: no servers can be used, exiting: none of nonexistent\.invalid resolved$/)
})

t.test('-d -p 3 --gap 0.1: three requests per server', async (t) => {
  const r = await runCli(['-d', '-p', '3', '--gap', '0.1', truth.spec, truth2.spec])
  t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
  t.equal(r.stderr, '')
  for (const server of [truth, truth2]) {
    const sent = lines(r.stdout).filter((line) => line.startsWith(`sent request to ${server.spec} `))
    const replies = lines(r.stdout).filter((line) => line.startsWith(`reply from ${server.spec}:`))
    t.equal(sent.length, 3, `3 "sent request" lines for ${server.spec}`)
    t.equal(replies.length, 3, `3 replies from ${server.spec}`)
  }
  t.ok(r.ms >= 200, `the run spans the two gaps (${r.ms.toFixed(0)} ms)`)
  const final = parseFinalLine(lines(r.stdout).at(-1) ?? '')
  t.ok(final, 'ends with the final line')
})
