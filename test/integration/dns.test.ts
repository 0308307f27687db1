/**
 * Name resolution against a real resolver failure: the CLI runs in a private mount namespace whose
 * /etc/resolv.conf names a DNS server that is not there, so getaddrinfo really fails with EAI_AGAIN.
 *
 * Address block of this file: 127.0.8.x.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startChronyd } from '../helpers/chronyd.js'
import { lines, parsePrefixedLine, parseQueryOutput, runCli, type CliResult } from '../helpers/cli.js'

const describe = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`

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
    t.equal(r.code, 0, 'exit 0', { output: describe(r) })
    const warnings = lines(r.stderr).map((line) => parsePrefixedLine(line)?.message)
    t.same(warnings, ["Can't find host ntp.example.org: temporary failure in name resolution (the resolver did not answer; try again later)"])
    t.equal(parseQueryOutput(r.stdout).final?.server, good.spec)
  })

  t.test('when no name resolves: exit 1, naming every one', async (t) => {
    const r = await runCli(['-q', 'ntp.example.org', 'time.example.net'], { prefix: deadResolver })
    t.equal(r.code, 1, 'exit 1', { output: describe(r) })
    t.equal(r.stdout, '')
    const messages = lines(r.stderr).map((line) => parsePrefixedLine(line)?.message)
    t.equal(messages.length, 3)
    t.match(messages[0], /^Can't find host ntp\.example\.org: temporary failure/)
    t.match(messages[1], /^Can't find host time\.example\.net: temporary failure/)
    t.equal(messages[2], 'no servers can be used, exiting: none of ntp.example.org, time.example.net resolved')
  })
}
