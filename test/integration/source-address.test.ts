/**
 * --source (issue 24, part 6): requests leave from the local address named, as ntpdig's bind option
 * and OpenNTPD's `query from`; a real chronyd answers there, a script server shows where they
 * came from. Loopback addresses only.
 *
 * Address block of this file: 127.0.27.x.
 */
import t from 'tap'
import { startChronyd } from '../helpers/chronyd.js'
import { describeRun, lines, parsePrefixedLine, parseQueryOutput, runCli } from '../helpers/cli.js'
import { startScriptServer } from '../helpers/script-server.js'

t.test('requests leave from the address named, and the answer counts', async (t) => {
  const seen = await startScriptServer(t, '127.0.27.1', () => {})
  const r = await runCli(['-q', '-p', '1', '-t', '0.3', '--source', '127.0.27.2', `127.0.27.1:${seen.port}`])
  t.equal(r.code, 1, describeRun(r))
  t.same(
    seen.requests.map((q) => q.from.address),
    ['127.0.27.2'],
    'the request came from 127.0.27.2',
  )
  const other = await runCli(['-q', '-p', '1', '-t', '0.3', '--source', '127.0.27.3', `127.0.27.1:${seen.port}`])
  t.equal(other.code, 1)
  t.equal(seen.requests.at(-1)?.from.address, '127.0.27.3')

  const chronyd = await startChronyd(t, { address: '127.0.27.4', port: 12704 })
  const answered = await runCli(['-q', '--source', '127.0.27.5', chronyd.spec])
  t.equal(answered.code, 0, describeRun(answered))
  t.equal(parseQueryOutput(answered.stdout).final?.server, chronyd.spec, 'a real server answers to the source address')
})

t.test('IPv6: --source ::1 implies -6', async (t) => {
  const chronyd = await startChronyd(t, { address: '::1', port: 12705 })
  const r = await runCli(['-q', '--source', '::1', chronyd.spec])
  t.equal(r.code, 0, describeRun(r))
})

t.test('an address this host does not have, a name, or a family that -4/-6 contradicts: one line, nothing sent', async (t) => {
  const seen = await startScriptServer(t, '127.0.27.6', () => {})
  const absent = await runCli(['-q', '-t', '0.3', '--source', '192.0.2.77', `127.0.27.6:${seen.port}`])
  t.equal(absent.code, 1, describeRun(absent))
  t.same(
    lines(absent.stderr).map((l) => parsePrefixedLine(l)?.message),
    ['cannot send from --source 192.0.2.77: no interface of this host has that address'],
  )
  for (const [args, message] of [
    [['--source', 'localhost'], "--source: 'localhost' is not an IPv4 or IPv6 address"],
    [['-6', '--source', '127.0.0.1'], '--source 127.0.0.1 is an IPv4 address, and -6 asks for IPv6'],
  ] as const) {
    const r = await runCli(['-q', ...args, `127.0.27.6:${seen.port}`])
    t.equal(r.code, 2, describeRun(r))
    t.match(lines(r.stderr).at(-1), new RegExp(`${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`))
  }
  t.same(seen.requests, [], 'nothing was sent')
})
