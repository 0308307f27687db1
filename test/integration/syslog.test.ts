/**
 * -s and --syslog-server end to end, against a real rsyslogd (test/helpers/rsyslogd.ts) and a real
 * chronyd on loopback.
 *
 * - -s: the CLI runs in a private mount namespace whose /dev/log is rsyslogd's private socket, so
 *   libc syslog(3) itself is exercised; needs root (unshare), so outside CI it skips when not root.
 * - --syslog-server: UDP and TCP, RFC 5424 and RFC 3164, into rsyslogd's imudp and imtcp; and
 *   servers that refuse or never answer a TCP connect.
 *
 * Address block of this file: 127.0.10.x (rsyslogd .1, chronyd .2, a dead NTP port .3, a TCP port
 * whose connects hang .4).
 */
import t, { type Test } from 'tap'
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { hostname } from 'node:os'
import { deadEndpoint, startChronyd } from '../helpers/chronyd.js'
import { cleanEnv, FINAL_LINE, lines, micros, parseFinalLine, parsePrefixedLine, PREFIXED_LINE, runCli, type CliResult, describeRun } from '../helpers/cli.js'
import { devLogUnavailable, startRsyslogd, type LogEntry, type Rsyslogd } from '../helpers/rsyslogd.js'
import { startSilentTcp } from '../helpers/silent-tcp.js'
import { holdClockLock } from '../helpers/clock-lock.js'
import { realtimeMinusMonotonic } from '../helpers/clock-watch.js'

const SYSLOG_ADDRESS = '127.0.10.1'
const ONE_SAMPLE = ['-p', '1']
/** the largest |offset| the true server may show before the real -s set runs (as set-clock.test.ts) */
const SAFE_OFFSET = 0.001

/** The messages of the run with this pid, in arrival order. */
function fromRun(rs: Rsyslogd, r: CliResult): LogEntry[] {
  return rs.entries().filter((e) => e.app === 'tsntpdate' && e.pid === String(r.pid))
}

/** The message text of the prefixed final line on stdout (what syslog must carry verbatim). */
function finalMessage(stdout: string): string | undefined {
  const line = lines(stdout).find((l) => FINAL_LINE.test(l))
  return line === undefined ? undefined : parsePrefixedLine(line)?.message
}

const [rs, chronyd] = await Promise.all([startRsyslogd(t, { address: SYSLOG_ADDRESS }), startChronyd(t, { address: '127.0.10.2', port: 11023 })])
const deadNtp = await deadEndpoint('127.0.10.3')

const devLogProblem = devLogUnavailable()
if (devLogProblem && process.env['CI'] === undefined) {
  t.test('-s: libc syslog(3) through /dev/log', { skip: `${devLogProblem}; runs in CI` }, () => {})
} else if (devLogProblem) {
  t.fail(`the -s tests ${devLogProblem}, and CI is set: run them as root`)
} else
  t.test('-s: libc syslog(3) through /dev/log', async (t) => {
    const inNamespace = (args: string[]) => runCli(args, { prefix: rs.withDevLog })

    t.test('-s -q: the result at daemon.notice with ident and pid; only the -q server line on the terminal', async (t) => {
      const r = await inNamespace(['-s', '-q', ...ONE_SAMPLE, chronyd.spec])
      t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
      t.equal(r.stderr, '', 'nothing on stderr')
      const out = lines(r.stdout)
      t.equal(out.length, 1, 'stdout: the -q server line only (as classic ntpdate -s -q), not the final line', { stdout: r.stdout })
      t.match(out[0] ?? '', new RegExp(`^server ${chronyd.spec.replace(/\./g, '\\.')}, stratum 2, offset [+-]\\d\\.\\d{6}, delay \\d\\.\\d{5}$`))
      const entry = await rs.waitFor((e) => e.pid === String(r.pid) && /adjust time server/.test(e.msg))
      t.comment(`syslog: ${entry.line}`)
      t.match(entry, { facility: 'daemon', severity: 'notice', input: 'imuxsock', app: 'tsntpdate', tag: `tsntpdate[${r.pid}]:` })
      t.match(entry.msg, new RegExp(`^adjust time server ${chronyd.spec.replace(/\./g, '\\.')} offset [+-]0\\.000\\d{3} sec$`))
      t.equal(fromRun(rs, r).length, 1, 'one syslog message for the run')
    })

    t.test('-s, no server answers: daemon.err, exit 1, a silent terminal', async (t) => {
      const r = await inNamespace(['-s', '-q', ...ONE_SAMPLE, '-t', '0.3', deadNtp.spec])
      t.equal(r.code, 1, 'exit 1', { output: describeRun(r) })
      t.equal(r.stdout, '', 'nothing on stdout')
      t.equal(r.stderr, '', 'nothing on stderr')
      const entry = await rs.waitFor((e) => e.pid === String(r.pid))
      t.comment(`syslog: ${entry.line}`)
      t.match(entry, { facility: 'daemon', severity: 'err', input: 'imuxsock', app: 'tsntpdate' })
      t.equal(entry.msg, 'no server suitable for synchronization found')
    })

    t.test('-s --syslog-facility local5 with a warning, an error and a remote copy; a % in a message stays literal', async (t) => {
      const r = await inNamespace(['-s', '-q', ...ONE_SAMPLE, '-t', '0.3', '--syslog-facility', 'local5', '--syslog-server', `udp://${SYSLOG_ADDRESS}:${rs.udpPort}`, 'no%s%n.invalid', deadNtp.spec])
      t.equal(r.code, 1, 'exit 1', { output: describeRun(r) })
      t.equal(r.stdout + r.stderr, '', 'a silent terminal')
      await rs.waitFor((e) => e.pid === String(r.pid) && e.input === 'imudp' && /no server suitable/.test(e.msg))
      const local = fromRun(rs, r).filter((e) => e.input === 'imuxsock')
      const remote = fromRun(rs, r).filter((e) => e.input === 'imudp')
      for (const entries of [local, remote]) {
        t.same(
          entries.map((e) => [e.facility, e.severity, e.msg.replace(/: .*/, ': …')]),
          [
            ['local5', 'err', "Can't find host no%s%n.invalid: …"],
            ['local5', 'err', 'no server suitable for synchronization found'],
          ],
          `${entries[0]?.input}: the warning and the error at local5.err`,
        )
      }
      t.comment(`syslog: ${local[0]?.line}`)
    })

    t.test('-s, a real slew by the measured error (< 1 ms): the terminal stays silent', async (t) => {
      await holdClockLock(t) // no stand-in time daemon of another test file may run meanwhile
      const probe = await runCli(['-q', '-p', '4', '--gap', '0.05', chronyd.spec])
      const offset = parseFinalLine(lines(probe.stdout).at(-1) ?? '')?.offset
      if (offset === undefined || !(Math.abs(offset) < SAFE_OFFSET)) {
        t.fail(`safety gate: the true server must measure below 1 ms, got ${offset} — NOT setting the clock`, { output: describeRun(probe) })
        return
      }
      t.pass(`safety gate: the true server measures ${micros(offset)}, below 1 ms`)
      const before = realtimeMinusMonotonic()
      const r = await inNamespace(['-s', '-B', '-p', '4', '--gap', '0.05', '--max-step', '0.001', chronyd.spec])
      const change = realtimeMinusMonotonic() - before
      t.ok(Math.abs(change) < 0.002, `the realtime clock moved ${micros(change)} (< 2 ms)`)
      t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
      t.equal(r.stdout, '', 'nothing on stdout')
      t.equal(r.stderr, '', 'nothing on stderr')
      const entry = await rs.waitFor((e) => e.pid === String(r.pid))
      t.comment(`syslog: ${entry.line}`)
      t.match(entry, { facility: 'daemon', severity: 'notice', input: 'imuxsock', app: 'tsntpdate', tag: `tsntpdate[${r.pid}]:` })
      t.match(entry.msg, new RegExp(`^adjust time server ${chronyd.spec.replace(/\./g, '\\.')} offset [+-]0\\.000\\d{3} sec$`))
    })
  })

for (const transport of ['udp', 'tcp'] as const) {
  for (const format of ['rfc5424', 'rfc3164'] as const) {
    t.test(`--syslog-server ${transport}:// --syslog-format ${format}`, async (t) => {
      const port = transport === 'udp' ? rs.udpPort : rs.tcpPort
      const r = await runCli(['-q', ...ONE_SAMPLE, '--syslog-server', `${transport}://${SYSLOG_ADDRESS}:${port}`, '--syslog-format', format, '--syslog-facility', 'local4', chronyd.spec])
      t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
      t.equal(r.stderr, '', 'nothing on stderr')
      const message = finalMessage(r.stdout)
      t.ok(message, 'the terminal output is unchanged: the final line is on stdout', { stdout: r.stdout })
      const entry = await rs.waitFor((e) => e.pid === String(r.pid))
      t.comment(`syslog: ${entry.line}`)
      t.match(entry, {
        facility: 'local4',
        severity: 'notice',
        input: transport === 'udp' ? 'imudp' : 'imtcp',
        protocolVersion: format === 'rfc5424' ? '1' : '0',
        app: 'tsntpdate',
      })
      t.equal(entry.msg, message, 'the same text as the final line')
      t.equal(fromRun(rs, r).length, 1, 'one message')
    })
  }
}

t.test('the frames on the wire (UDP capture): RFC 5424 and RFC 3164 headers', async (t) => {
  const capture = createSocket('udp4')
  const frames: string[] = []
  capture.on('message', (bytes) => frames.push(bytes.toString('utf8')))
  await new Promise<void>((resolve) => capture.bind(0, SYSLOG_ADDRESS, resolve))
  t.teardown(() => capture.close())
  const url = `udp://${SYSLOG_ADDRESS}:${capture.address().port}`
  const a = await runCli(['-q', ...ONE_SAMPLE, '--syslog-server', url, chronyd.spec])
  const b = await runCli(['-q', ...ONE_SAMPLE, '--syslog-server', url, '--syslog-format', 'rfc3164', '--syslog-facility', 'user', chronyd.spec])
  t.equal(frames.length, 2, 'one datagram per run', { frames })
  const host = escape(hostname())
  // <29> = daemon(3) * 8 + notice(5); <13> = user(1) * 8 + notice(5)
  t.match(frames[0], new RegExp(`^<29>1 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ${host} tsntpdate ${a.pid} - - ${escape(finalMessage(a.stdout))}\\n$`))
  t.match(frames[1], new RegExp(`^<13>[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d ${host} tsntpdate\\[${b.pid}\\]: ${escape(finalMessage(b.stdout))}\\n$`))
  t.comment(`rfc5424: ${JSON.stringify(frames[0])}`)
  t.comment(`rfc3164: ${JSON.stringify(frames[1])}`)
})

function escape(text: string | undefined): string {
  return (text ?? 'MISSING').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

t.test('--syslog-server without -s: errors go to stderr and, at ERR, to the server', async (t) => {
  const r = await runCli(['-q', ...ONE_SAMPLE, '-t', '0.3', '--syslog-server', `tcp://${SYSLOG_ADDRESS}:${rs.tcpPort}`, deadNtp.spec])
  t.equal(r.code, 1, 'exit 1', { output: describeRun(r) })
  t.equal(lines(r.stderr).length, 1, 'one stderr line')
  t.equal(parsePrefixedLine(lines(r.stderr)[0] ?? '')?.message, 'no server suitable for synchronization found')
  const entry = await rs.waitFor((e) => e.pid === String(r.pid))
  t.match(entry, { facility: 'daemon', severity: 'err', input: 'imtcp', msg: 'no server suitable for synchronization found' })
})

/** One prefixed stderr line from the run whose message matches `pattern`. */
function expectOneWarning(t: Test, r: CliResult, pattern: RegExp) {
  const errors = lines(r.stderr)
  t.equal(errors.length, 1, 'exactly one stderr line', { stderr: r.stderr })
  t.match(errors[0] ?? '', PREFIXED_LINE, "in the 'DATE tsntpdate[PID]: message' form")
  t.match(parsePrefixedLine(errors[0] ?? '')?.message ?? '', pattern)
  t.comment(`stderr: ${errors[0]}`)
}

t.test('a TCP syslog server that refuses: one warning, the exit status of the time work', async (t) => {
  const closed = await closedTcpPort(SYSLOG_ADDRESS)
  const url = `tcp://${SYSLOG_ADDRESS}:${closed}`
  const ok = await runCli(['-q', ...ONE_SAMPLE, '--syslog-server', url, chronyd.spec])
  t.equal(ok.code, 0, 'exit 0 as without the syslog server', { output: describeRun(ok) })
  t.ok(finalMessage(ok.stdout), 'the final line is on stdout')
  expectOneWarning(t, ok, new RegExp(`^syslog server ${url.replace(/\./g, '\\.')} not reached: connect ECONNREFUSED .*; 1 message not sent$`))

  const failed = await runCli(['-q', ...ONE_SAMPLE, '-t', '0.3', '--syslog-server', url, deadNtp.spec])
  t.equal(failed.code, 1, 'exit 1 as without the syslog server', { output: describeRun(failed) })
  const messages = lines(failed.stderr).map((l) => parsePrefixedLine(l)?.message)
  t.equal(messages.length, 2, 'the error, then the one warning')
  t.equal(messages[0], 'no server suitable for synchronization found')
  t.match(messages[1], /^syslog server .* not reached: connect ECONNREFUSED/)
})

t.test('a TCP syslog server whose connect hangs: a bounded wait, one warning, a prompt exit', async (t) => {
  const silent = await startSilentTcp(t, '127.0.10.4')
  const url = `tcp://${silent.address}:${silent.port}`
  const r = await runCli(['-q', ...ONE_SAMPLE, '--syslog-server', url, chronyd.spec], { timeoutMs: 20_000 })
  t.equal(r.signal, null, 'not killed: the run ended on its own (a TCP connect retries for minutes)')
  t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
  t.ok(finalMessage(r.stdout), 'the final line is on stdout')
  expectOneWarning(t, r, new RegExp(`^syslog server ${url.replace(/\./g, '\\.')} not reached: no answer within 2 s; 1 message not sent$`))
  t.comment(`run took ${r.ms.toFixed(0)} ms`)
})

t.test('FFI and syslog modules are loaded only when asked for', async (t) => {
  const loaded = async (args: string[]) => {
    const r = await runCli(args, { env: { ...cleanEnv(), NODE_DEBUG: 'module' } })
    return { koffi: /koffi/.test(r.stderr), syslogClient: /syslog-client/.test(r.stderr), r }
  }
  const help = await loaded(['--help'])
  t.equal(help.r.code, 0)
  t.notOk(help.koffi, '--help: no koffi')
  t.notOk(help.syslogClient, '--help: no syslog-client')
  const plain = await loaded(['-q', ...ONE_SAMPLE, chronyd.spec])
  t.equal(plain.r.code, 0)
  t.notOk(plain.syslogClient, 'a run without --syslog-server: no syslog-client')
  const remote = await loaded(['-q', ...ONE_SAMPLE, '--syslog-server', `udp://${SYSLOG_ADDRESS}:${rs.udpPort}`, chronyd.spec])
  t.ok(remote.syslogClient, 'with --syslog-server: syslog-client (the check can see it)')
})

/** A TCP port on `address` where nothing listens (connects are refused). */
async function closedTcpPort(address: string): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, address, resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
