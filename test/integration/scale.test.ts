/**
 * A thousand servers in one run: one chronyd bound to 0.0.0.0 answers on every 127.x.y.z address
 * (from the address queried), so 1000 distinct 127.13.a.b addresses are 1000 real servers; names
 * and IPv6 ride along.
 * Address block of this file: 127.13.0.0/16 (and 0.0.0.0, 127.0.0.1 and [::1]), port 13713.
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import { startChronyd } from '../helpers/chronyd.js'
import { lines, parseQueryOutput, runCli } from '../helpers/cli.js'

const PORT = 13713
await Promise.all([startChronyd(t, { address: '0.0.0.0', port: PORT }), startChronyd(t, { address: '::1', port: PORT, ipv6: true })])

/** The kernel's count of UDP datagrams dropped for a full receive buffer (any socket): for failure reports. */
function udpReceiveBufferErrors(): number {
  const [names, values] = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('Udp:'))
  return Number(values?.split(' ')[names?.split(' ').indexOf('RcvbufErrors') ?? -1])
}

const literals = Array.from({ length: 1000 }, (_, i) => `127.13.${Math.floor(i / 250)}.${(i % 250) + 1}:${PORT}`)

t.test('1000 IP literals, a name and both families in one -q run: a server line for every server', async (t) => {
  // localhost resolves to 127.0.0.1 and maybe ::1: the same servers as the two literals after it
  const extra = [`localhost:${PORT}`, `127.0.0.1:${PORT}`, `[::1]:${PORT}`]
  const dropsBefore = udpReceiveBufferErrors()
  const r = await runCli(['-q', ...literals, ...extra], { timeoutMs: 60_000 })
  const diagnostics = { udpReceiveBufferErrors: udpReceiveBufferErrors() - dropsBefore, ms: r.ms }
  t.equal(r.code, 0, 'exit 0', { stderr: r.stderr, lastLines: lines(r.stdout).slice(-3) })
  t.equal(r.stderr, '', 'nothing on stderr')
  const out = parseQueryOutput(r.stdout)
  const expected = [...literals, `127.0.0.1:${PORT}`, `[::1]:${PORT}`]
  t.same(new Set(out.servers.map((s) => s.server)), new Set(expected), 'one line for each of the 1002 distinct servers', diagnostics)
  t.equal(out.servers.length, expected.length, 'and no server twice')
  t.same(out.other, [], 'nothing but server lines and the final line')
  t.ok(out.final && expected.includes(out.final.server), `the final line names one of them (${out.final?.server})`)
})

t.test('-p 2 with 1000 servers: every server gives two replies, no request times out', async (t) => {
  const dropsBefore = udpReceiveBufferErrors()
  const r = await runCli(['-d', '-p', '2', '--gap', '0.05', ...literals], { timeoutMs: 60_000 })
  const out = lines(r.stdout)
  const ignored = out.filter((line) => line.startsWith('ignored'))
  const diagnostics = { udpReceiveBufferErrors: udpReceiveBufferErrors() - dropsBefore, ms: r.ms, ignored: ignored.length, firstIgnored: ignored[0] }
  t.equal(r.code, 0, 'exit 0', { stderr: r.stderr })
  const replies = out.filter((line) => line.startsWith('reply from'))
  const perServer = new Map<string, number>()
  for (const line of replies) perServer.set(line.split(':')[0] ?? '', (perServer.get(line.split(':')[0] ?? '') ?? 0) + 1)
  t.equal(perServer.size, 1000, 'every server replied', diagnostics)
  t.ok(
    [...perServer.values()].every((n) => n >= 2 && n <= 4),
    'two replies from each, at most 2·-p requests',
    diagnostics,
  )
  t.equal(out.filter((line) => line.startsWith('no reply')).length, 0, 'no request timed out', diagnostics)
})
