// Where each kind of line goes: terminal, syslog or both (src/cli/output.ts).
import t from 'tap'
import { createOutput, logTargets } from '../../../src/cli/output.js'
import type { SyslogChoice } from '../../../src/config/syslog-config.js'
import { MAX_LINE_LENGTH } from '../../../src/report/format.js'
import type { Logger } from '../../../src/ports.js'
import type { LogTarget } from '../../../src/config/syslog-config.js'

const PREFIX = '25 Nov 02:33:22 tsntpdate[4242]: '
const NO_SYSLOG: SyslogChoice = { syslog: false, syslogFacility: 3, syslogServer: undefined, syslogFormat: 'rfc5424' }
const REMOTE = { transport: 'udp', host: '127.0.0.1', port: 514, url: 'udp://127.0.0.1:514' } as const

function harness(problem?: string) {
  const stdout: string[] = []
  const stderr: string[] = []
  const logged: string[] = []
  const opened: LogTarget[] = []
  const output = createOutput({
    pid: 4242,
    localTime: () => new Date(2026, 10, 25, 2, 33, 22),
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
  })
  const openLogger = async (target: LogTarget): Promise<Logger> => {
    opened.push(target)
    return {
      log: (severity, message) => logged.push(`${target.kind} ${severity} ${message}`),
      close: async () => (target.kind === 'remote' ? problem : undefined),
    }
  }
  const everything = () => {
    output.version('tsntpdate 9.9.9')
    output.print('server 10.0.0.1, stratum 2, offset +0.000001, delay 0.00010')
    output.error("Can't find host x.invalid: no such host")
    output.notice('adjust time server 10.0.0.1 offset +0.000001 sec')
  }
  return { output, openLogger, stdout, stderr, logged, opened, everything }
}

t.test('without syslog: the terminal, as before; nothing is opened', async (t) => {
  const h = harness()
  await h.output.open(NO_SYSLOG, undefined)
  h.everything()
  await h.output.close()
  t.same(h.stdout, ['tsntpdate 9.9.9', 'server 10.0.0.1, stratum 2, offset +0.000001, delay 0.00010', `${PREFIX}adjust time server 10.0.0.1 offset +0.000001 sec`])
  t.same(h.stderr, [`${PREFIX}Can't find host x.invalid: no such host`])
  t.same(h.opened, [])
})

t.test('-s: results at NOTICE, warnings at ERR, only -q/-d lines on the terminal', async (t) => {
  const h = harness()
  await h.output.open({ ...NO_SYSLOG, syslog: true, syslogFacility: 19 }, h.openLogger)
  h.everything()
  await h.output.close()
  t.same(h.opened, [{ kind: 'local', facility: 19 }])
  t.same(h.stdout, ['server 10.0.0.1, stratum 2, offset +0.000001, delay 0.00010'])
  t.same(h.stderr, [])
  t.same(h.logged, ['local notice tsntpdate 9.9.9', "local err Can't find host x.invalid: no such host", 'local notice adjust time server 10.0.0.1 offset +0.000001 sec'])
})

t.test('usage errors always go to stderr only', async (t) => {
  const h = harness()
  await h.output.open({ ...NO_SYSLOG, syslog: true }, h.openLogger)
  h.output.usage("-p: '0' is not a whole number from 1 to 8")
  t.same(h.stderr, [`${PREFIX}-p: '0' is not a whole number from 1 to 8`])
  t.same(h.logged, [])
})

t.test('--syslog-server without -s: the terminal as before, plus a copy to the server', async (t) => {
  const h = harness()
  await h.output.open({ ...NO_SYSLOG, syslogServer: REMOTE, syslogFormat: 'rfc3164' }, h.openLogger)
  h.everything()
  await h.output.close()
  t.same(h.opened, [{ kind: 'remote', server: REMOTE, format: 'rfc3164', facility: 3 }])
  t.equal(h.stdout.length, 3)
  t.equal(h.stderr.length, 1)
  t.same(
    h.logged.map((l) => l.split(' ').slice(0, 2).join(' ')),
    ['remote notice', 'remote err', 'remote notice'],
  )
})

t.test('a remote server not reached: one prefixed stderr line at close, even with -s', async (t) => {
  const h = harness('syslog server udp://127.0.0.1:514 not reached: boom; 3 messages not sent')
  await h.output.open({ ...NO_SYSLOG, syslog: true, syslogServer: REMOTE }, h.openLogger)
  h.everything()
  t.same(h.stderr, [], 'nothing before close')
  await h.output.close()
  t.same(h.stderr, [`${PREFIX}syslog server udp://127.0.0.1:514 not reached: boom; 3 messages not sent`])
  await h.output.close()
  t.equal(h.stderr.length, 1, 'a second close adds nothing')
})

t.test('logTargets: local first, then remote, sharing the facility', async (t) => {
  t.same(logTargets(NO_SYSLOG), [])
  t.same(logTargets({ ...NO_SYSLOG, syslog: true, syslogServer: REMOTE, syslogFacility: 1 }), [
    { kind: 'local', facility: 1 },
    { kind: 'remote', server: REMOTE, format: 'rfc5424', facility: 1 },
  ])
})

t.test('asking for syslog without a way to open it is an error, not silence', async (t) => {
  const h = harness()
  await t.rejects(h.output.open({ ...NO_SYSLOG, syslog: true }, undefined), /no syslog available for local logging/)
})

t.test('text from outside cannot write to the terminal or forge a log line (issue 9, finding 9)', async (t) => {
  const h = harness()
  await h.output.open({ ...NO_SYSLOG, syslogServer: REMOTE }, h.openLogger)
  h.output.print("kiss-o'-death \x1b[2J from 10.0.0.1")
  h.output.error("Can't find host evil\nDec 2 00:00:00 host sshd[1]: Accepted: no such host")
  h.output.notice('adjust time server a\u2028b offset +0.1 sec')
  h.output.usage("bad server '\x07\x9b'")
  await h.output.close()
  t.same(h.stdout, ["kiss-o'-death \\x1b[2J from 10.0.0.1", `${PREFIX}adjust time server a\\u2028b offset +0.1 sec`])
  t.same(h.stderr, [`${PREFIX}Can't find host evil\\x0aDec 2 00:00:00 host sshd[1]: Accepted: no such host`, `${PREFIX}bad server '\\x07\\x9b'`])
  t.same(h.logged, ["remote err Can't find host evil\\x0aDec 2 00:00:00 host sshd[1]: Accepted: no such host", 'remote notice adjust time server a\\u2028b offset +0.1 sec'])
})

t.test('a line is at most MAX_LINE_LENGTH characters, on the terminal (its prefix counted; issue 22, point 16) and in syslog', async (t) => {
  const h = harness()
  await h.output.open({ ...NO_SYSLOG, syslogServer: REMOTE }, h.openLogger)
  h.output.error('x'.repeat(150_000))
  h.output.usage('y'.repeat(1_020))
  await h.output.close()
  t.equal(h.stderr[0]!.length, MAX_LINE_LENGTH, 'the whole line, prefix and all')
  t.equal(h.stderr[1]!.length, MAX_LINE_LENGTH, 'a usage line too')
  t.match(h.stderr[0], /x…$/)
  t.equal(h.logged[0], `remote err ${'x'.repeat(MAX_LINE_LENGTH - 1)}…`)
})
