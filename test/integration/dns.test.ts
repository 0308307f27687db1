/**
 * Name resolution against a real resolver failure: the CLI runs in a private mount namespace whose
 * /etc/resolv.conf names a DNS server that is not there, so getaddrinfo really fails with EAI_AGAIN.
 *
 * Address block of this file: 127.0.8.x.
 */
import { createSocket } from 'node:dgram'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startChronyd } from '../helpers/chronyd.js'
import { lines, parsePrefixedLine, parseQueryOutput, runCli, describeRun } from '../helpers/cli.js'

if (process.getuid?.() !== 0) {
  if (process.env['CI'] === undefined) t.test('resolver failures', { skip: 'needs root for unshare --mount; runs in CI' }, () => {})
  else t.fail('the resolver-failure tests need root (unshare --mount), and CI is set: run them as root')
} else {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-dns-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const resolvConf = join(dir, 'resolv.conf')
  // nothing listens on 127.0.8.53: each query is refused at once, and glibc reports a temporary failure
  writeFileSync(resolvConf, 'nameserver 127.0.8.53\noptions timeout:1 attempts:1\n')
  const deadResolver = ['unshare', '--mount', 'sh', '-c', `mount --bind ${resolvConf} /etc/resolv.conf && exec "$0" "$@"`]

  t.test('a temporary resolver failure is named as such, and the live server carries the run', async (t) => {
    const good = await startChronyd(t, { address: '127.0.8.1', port: 12801 })
    const r = await runCli(['-q', 'ntp.example.org', good.spec], { prefix: deadResolver })
    t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
    const warnings = lines(r.stderr).map((line) => parsePrefixedLine(line)?.message)
    t.same(warnings, ["Can't find host ntp.example.org: temporary failure in name resolution (the resolver did not answer; try again later)"])
    t.equal(parseQueryOutput(r.stdout).final?.server, good.spec)
  })

  t.test('when no name resolves: exit 1, naming every one', async (t) => {
    const r = await runCli(['-q', 'ntp.example.org', 'time.example.net'], { prefix: deadResolver })
    t.equal(r.code, 1, 'exit 1', { output: describeRun(r) })
    t.equal(r.stdout, '')
    const messages = lines(r.stderr).map((line) => parsePrefixedLine(line)?.message)
    t.equal(messages.length, 3)
    t.match(messages[0], /^Can't find host ntp\.example\.org: temporary failure/)
    t.match(messages[1], /^Can't find host time\.example\.net: temporary failure/)
    t.equal(messages[2], 'no servers can be used, exiting: none of ntp.example.org, time.example.net resolved')
  })

  t.test('a resolver that never answers costs one -t for all names, not its timeout for each (issue 9, finding 11)', async (t) => {
    // a DNS "server" that reads every query and answers none; glibc would wait 5 s x 2 tries a name
    const silent = createSocket('udp4').on('message', () => {})
    await new Promise<void>((resolve) => silent.bind(53, '127.0.8.54', resolve))
    t.teardown(() => silent.close())
    const silentConf = join(dir, 'silent-resolv.conf')
    writeFileSync(silentConf, 'nameserver 127.0.8.54\noptions timeout:5 attempts:2\n')
    const silentResolver = ['unshare', '--mount', 'sh', '-c', `mount --bind ${silentConf} /etc/resolv.conf && exec "$0" "$@"`]
    const good = await startChronyd(t, { address: '127.0.8.2', port: 12802 })
    const names = Array.from({ length: 20 }, (_, i) => `n${i}.example.org`)
    const r = await runCli(['-q', '-t', '1', ...names, good.spec], { prefix: silentResolver, timeoutMs: 60_000 })
    t.equal(r.code, 0, 'exit 0: the live server carries the run', { output: describeRun(r) })
    t.ok(r.ms < 4000, `done in ${r.ms.toFixed(0)} ms: one -t of 1 s for the lookups, not 20 x 10 s`)
    const warnings = lines(r.stderr).map((line) => parsePrefixedLine(line)?.message)
    t.same(warnings, ['20 names did not resolve (the resolver did not answer within 1 s): n0.example.org, n1.example.org, n2.example.org, n3.example.org, n4.example.org, … (20 in all)'])
    t.equal(parseQueryOutput(r.stdout).final?.server, good.spec)
  })
}
