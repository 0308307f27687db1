/**
 * NTP servers from DHCP, the hook side (issue 24, part 4): the one validating writer
 * (cron/dhcp/tsntpdate-dhcp), the dhclient exit hook (cron/dhcp/dhclient-exit-hook, sourced as
 * dhclient-script sources it) and the NetworkManager dispatcher script
 * (cron/NetworkManager/50-tsntpdate, with the argv and environment NetworkManager gives it), each
 * through its real interface; and, as root, end to end: a real dhclient (the real
 * /sbin/dhclient-script) against dnsmasq over a veth pair between two network namespaces this test
 * creates and deletes. Every list goes to a temp dir (TSNTPDATE_DHCP_DIR), never /run; a stub
 * stands in for the hourly job and for logger.
 * Addresses: 192.0.2.x, only inside the test's own network namespaces.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { REPO, runCommand } from '../helpers/cli.js'

const WRITER = join(REPO, 'cron', 'dhcp', 'tsntpdate-dhcp')
const DHCLIENT_HOOK = join(REPO, 'cron', 'dhcp', 'dhclient-exit-hook')
const DISPATCHER = join(REPO, 'cron', 'NetworkManager', '50-tsntpdate')
const START_WAIT_MS = 15_000
const NO_START_WAIT_MS = 1500
/** what the writer lets through, line by line (the contract's three forms) */
/** a rejected server's log line: the word with ? for any byte but [A-Za-z0-9._:@-], 40 bytes at most */
const SHOWN = /^eth0: not an NTP server address or host name, skipped: '[A-Za-z0-9._:@?-]{0,40}(\.\.\. \(\d+ bytes\))?'$/
const SERVER = /^([0-9.]+|[0-9A-Fa-f:.]+|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/

interface Box {
  dir: string
  /** TSNTPDATE_DHCP_DIR: made by the writer (it is not there at first) */
  lists: string
  env: NodeJS.ProcessEnv
  list(iface: string): string | undefined
  /** the logger stub's calls: its message argument, one per call */
  logged(): string[]
  /** resolves what the job stub saw (its SPLAY) once it ran, or undefined after `waitMs` */
  job(waitMs: number): Promise<string | undefined>
  /** a fresh job stub for the next run */
  resetJob(): void
}

function box(t: Test): Box {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-dhcp-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const lists = join(dir, 'a', 'b', 'lists')
  mkdirSync(join(dir, 'a', 'b'), { recursive: true })
  const log = join(dir, 'logger.log')
  // the message (logger's last argument) of each call, each ended by an RS byte
  writeFileSync(join(dir, 'logger'), `#!/bin/sh\nfor a; do m=$a; done\nprintf '%s\\036' "$m" >>'${log}'\n`, { mode: 0o755 })
  const seen = join(dir, 'job-seen')
  writeFileSync(join(dir, 'job'), `#!/bin/sh\nprintf '%s' "$TSNTPDATE_SPLAY" >'${seen}'\n`, { mode: 0o755 })
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    TSNTPDATE_DHCP_DIR: lists,
    TSNTPDATE_LOGGER: join(dir, 'logger'),
    TSNTPDATE_DHCP_WRITER: WRITER,
    TSNTPDATE_HOURLY: join(dir, 'job'),
  }
  return {
    dir,
    lists,
    env,
    list: (iface) => (existsSync(join(lists, iface)) ? readFileSync(join(lists, iface), 'utf8') : undefined),
    logged: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\x1e').slice(0, -1) : []),
    async job(waitMs) {
      for (let waited = 0; waited < waitMs && !existsSync(seen); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50))
      return existsSync(seen) ? readFileSync(seen, 'utf8') : undefined
    },
    resetJob: () => rmSync(seen, { force: true }),
  }
}

const writer = (b: Box, args: string[], env: NodeJS.ProcessEnv = {}) => runCommand([WRITER, ...args], { env: { ...b.env, ...env }, cwd: b.dir })

t.test('shellcheck: the writer, the dhclient hook and the dispatcher script are clean', async (t) => {
  const r = spawnSync('shellcheck', ['-s', 'sh', WRITER, DHCLIENT_HOOK, DISPATCHER], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stdout + r.stderr)
})

t.test('the writer: valid lists', async (t) => {
  const b = box(t)
  const servers = ['192.0.2.1', '2001:db8::123', '::ffff:192.0.2.7', 'fe80::1', 'ntp1.example.org', 'TIME-2.example', 'a']
  const r = await writer(b, ['set', 'eth0', ...servers])
  t.same([r.code, r.stdout, r.stderr], [0, '', ''], 'exit 0, silent')
  t.equal(b.list('eth0'), servers.map((s) => `${s}\n`).join(''), 'one server per line, in order')
  t.equal(statSync(join(b.lists, 'eth0')).mode & 0o7777, 0o644, 'the list: mode 0644')
  t.equal(statSync(b.lists).mode & 0o7777, 0o755, 'the directory it made: mode 0755')
  t.same(readdirSync(b.lists), ['eth0'], 'no temp file left')
  t.same(b.logged(), [], 'nothing logged')
  t.equal((await writer(b, ['show', 'eth0'])).stdout, b.list('eth0'), 'show prints the list')
  const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(9)}`
  t.equal(long.length, 253)
  await writer(b, ['set', 'wlp2s0', long, 'x.example'])
  t.equal(b.list('wlp2s0'), `${long}\nx.example\n`, 'a host name of 253 characters')
  for (const iface of ['eth0.100', 'br-lan', 'veth0@if3', 'eth0:1', 'enx0123456789ab', '_x']) {
    t.equal((await writer(b, ['set', iface, '192.0.2.9'])).code, 0, iface)
    t.equal(b.list(iface), '192.0.2.9\n', `${iface}: written`)
  }
  // the caller's umask does not matter
  const tight = await runCommand(['sh', '-c', 'umask 077; exec "$0" set eth1 192.0.2.2', WRITER], { env: b.env })
  t.equal(tight.code, 0)
  t.equal(statSync(join(b.lists, 'eth1')).mode & 0o7777, 0o644, 'mode 0644 under umask 077')
})

t.test('the writer: duplicates dropped, at most 8 servers, none valid: no file', async (t) => {
  const b = box(t)
  await writer(b, ['set', 'eth0', '192.0.2.1', 'ntp.example', '192.0.2.1', 'ntp.example', '192.0.2.2'])
  t.equal(b.list('eth0'), '192.0.2.1\nntp.example\n192.0.2.2\n', 'duplicates dropped, the first kept in place')
  const twelve = Array.from({ length: 12 }, (_, i) => `192.0.2.${i + 10}`)
  await writer(b, ['set', 'eth0', ...twelve])
  t.equal(b.list('eth0'), twelve.slice(0, 8).join('\n') + '\n', 'the first 8 of 12')
  t.match(b.logged().join('\n'), /more than 8 NTP servers/, 'the dropped ones are logged')
  await writer(b, ['set', 'eth0', ...Array.from({ length: 8 }, () => '192.0.2.1'), '192.0.2.99'])
  t.equal(b.list('eth0'), '192.0.2.1\n192.0.2.99\n', 'duplicates do not count against the 8')
  t.equal((await writer(b, ['set', 'eth0'])).code, 0)
  t.equal(b.list('eth0'), undefined, 'set with no server removes the list')
  await writer(b, ['set', 'eth0', '192.0.2.1'])
  t.equal((await writer(b, ['set', 'eth0', '-x', ''])).code, 0)
  t.equal(b.list('eth0'), undefined, 'set with no valid server removes the list')
  await writer(b, ['set', 'eth0', '192.0.2.1'])
  t.equal((await writer(b, ['clear', 'eth0'])).code, 0)
  t.equal(b.list('eth0'), undefined, 'clear removes it')
  t.equal((await writer(b, ['clear', 'eth0'])).code, 0, 'clear of no list: exit 0')
  t.equal((await writer(b, ['show', 'eth0'])).stdout, '', 'show of no list: nothing')
})

t.test('the writer: hostile servers never reach the list, and are logged escaped and cut', async (t) => {
  const b = box(t)
  const hostile = [
    '-oProxyCommand=x',
    '-q',
    '--help',
    '$(reboot)',
    '`reboot`',
    'a;b',
    'a|b',
    'a&b',
    'a b',
    'a\nb',
    'a\tb',
    'ntp.example\n-oProxyCommand=x',
    '*',
    'a*',
    '../../etc/passwd',
    '/etc/passwd',
    'a/b',
    "a'b",
    'a"b',
    'a\\b',
    'a>b',
    '.example',
    'example.',
    'x'.repeat(254),
    'y'.repeat(5000),
    '192.0.2.256',
    '192.0.2',
    '1.2.3.4.5',
    '01.2.3.4',
    '2001:db8::1%eth0',
    ':1:2',
    '1:2:',
    '1:::2',
    '1::2::3',
    '12345::1',
    'ntp.example\u00e9',
    '\u0000',
    '',
  ].filter((w) => !w.includes('\u0000'))
  const r = await writer(b, ['set', 'eth0', '192.0.2.1', ...hostile, 'ntp.example'])
  t.same([r.code, r.stdout, r.stderr], [0, '', ''], 'exit 0, silent')
  t.equal(b.list('eth0'), '192.0.2.1\nntp.example\n', 'only the valid two')
  const logged = b.logged()
  t.equal(logged.length, hostile.length, 'one syslog line per rejected word')
  for (const line of logged) t.match(line, SHOWN, `one line, the word escaped and cut: ${line.slice(0, 100)}`)
  t.match(logged[0], /'-oProxyCommand\?x'/, 'the word is shown, with ? for what is not plain')
  t.match(
    logged.find((l) => l.includes('yyyy')),
    /\.\.\. \(5000 bytes\)/,
    'a long word is cut and its length said',
  )
  for (const line of (b.list('eth0') ?? '').split('\n').filter((l) => l !== '')) t.match(line, SERVER)
})

t.test('the writer: invalid interface names write nothing anywhere', async (t) => {
  const b = box(t)
  const bad = ['../../etc/x', '..', '.', '.hidden', '-x', '--help', 'a/b', '/etc/x', 'a..b', 'x'.repeat(16), '', 'eth0\nx', 'eth 0', '$(reboot)', 'eth0;x', '*']
  for (const iface of bad) {
    const r = await writer(b, ['set', iface, '192.0.2.1'])
    t.equal(r.code, 2, `set ${JSON.stringify(iface)}: exit 2`)
    t.equal((await writer(b, ['clear', iface])).code, 2, `clear ${JSON.stringify(iface)}: exit 2`)
  }
  t.notOk(existsSync(b.lists), 'no list directory made')
  t.same(readdirSync(join(b.dir, 'a', 'b')), [], 'nothing next to it')
  t.notOk(existsSync(join(b.dir, 'etc')), 'nothing outside it (../../etc/x)')
  t.equal(b.logged().length, bad.length * 2, 'each logged')
  for (const line of b.logged()) t.match(line, /^invalid interface name '[A-Za-z0-9._:@?-]{0,40}(\.\.\. \(\d+ bytes\))?': nothing done$/, `logged escaped: ${line}`)
  // clear cannot be pointed at another file either
  mkdirSync(b.lists)
  writeFileSync(join(b.dir, 'a', 'keep'), 'x')
  t.equal((await writer(b, ['clear', '../keep'])).code, 2)
  t.ok(existsSync(join(b.dir, 'a', 'keep')), 'clear ../keep: nothing removed')
  t.equal((await writer(b, ['frob', 'eth0'])).code, 2, 'an unknown command: exit 2')
  t.equal((await writer(b, ['set'])).code, 2, 'no interface: exit 2')
})

t.test('the writer replaces the list atomically (rename), never rewrites it in place', async (t) => {
  const b = box(t)
  await writer(b, ['set', 'eth0', '192.0.2.1', '192.0.2.2'])
  const path = join(b.lists, 'eth0')
  const before = statSync(path).ino
  // a reader holding the old list open still reads it whole after the rewrite
  const fd = openSync(path, 'r')
  try {
    await writer(b, ['set', 'eth0', '192.0.2.3'])
    const buffer = Buffer.alloc(100)
    const n = readSync(fd, buffer, 0, 100, 0)
    t.equal(buffer.toString('utf8', 0, n), '192.0.2.1\n192.0.2.2\n', 'the old file is untouched')
  } finally {
    closeSync(fd)
  }
  t.not(statSync(path).ino, before, 'a new file took its name')
  t.equal(b.list('eth0'), '192.0.2.3\n')
  t.same(readdirSync(b.lists), ['eth0'], 'no temp file left')
  // the temp file is made in the same directory, with a name the reader skips (a leading dot)
  const trace = spawnSync('sh', ['-x', WRITER, 'set', 'eth0', '192.0.2.4'], { encoding: 'utf8', env: b.env })
  t.match(trace.stderr, new RegExp(`mv -f ${b.lists}/\\.eth0\\.\\w+ ${b.lists}/eth0`), 'mv from .eth0.XXXXXX in the same directory')
  // a directory in the list's place is not written into
  rmSync(path)
  mkdirSync(path)
  t.equal((await writer(b, ['set', 'eth0', '192.0.2.5'])).code, 1, 'a directory named eth0: exit 1')
  t.same(readdirSync(path), [], 'nothing moved into it')
  t.same(readdirSync(b.lists), ['eth0'], 'no temp file left')
})

t.test('dhclient exit hook: sourced as dhclient-script does, BOUND writes, RENEW unchanged, RELEASE clears', async (t) => {
  const b = box(t)
  // the directory holds a file whose name a glob of '*' would bring in as a server
  writeFileSync(join(b.dir, 'glob.example'), '')
  const source = async (env: NodeJS.ProcessEnv) => {
    // as dhclient-script's run_hook: `. $script` in a shell that goes on afterwards
    const script = `before="$- $IFS"; . "$0"; status=$?; [ "$before" = "$- $IFS" ] || echo "options or IFS changed"; set | grep '^tsntpdate_dhcp_'; echo "went on: $status"`
    return runCommand(['sh', '-c', script, DHCLIENT_HOOK], { env: { ...b.env, ...env }, cwd: b.dir })
  }
  let r = await source({ reason: 'BOUND', interface: 'eth0', new_ntp_servers: '192.0.2.1 ntp.example -oProxyCommand=x $(reboot) 192.0.2.1 * 2001:db8::1' })
  t.same([r.stdout, r.stderr], ['went on: 0\n', ''], 'no exit, no variable left, options and IFS as they were, silent')
  t.equal(b.list('eth0'), '192.0.2.1\nntp.example\n2001:db8::1\n', 'BOUND: the valid servers, no glob expansion')
  t.equal(await b.job(START_WAIT_MS), '0', 'a new list: the hourly job ran, SPLAY 0')
  b.resetJob()
  r = await source({ reason: 'RENEW', interface: 'eth0', new_ntp_servers: '192.0.2.1 ntp.example 2001:db8::1' })
  t.equal(r.stdout, 'went on: 0\n')
  t.equal(await b.job(NO_START_WAIT_MS), undefined, 'RENEW, same list: no job')
  r = await source({ reason: 'REBIND', interface: 'eth0', new_ntp_servers: '192.0.2.2' })
  t.equal(b.list('eth0'), '192.0.2.2\n', 'REBIND: the new list')
  t.equal(await b.job(START_WAIT_MS), '0', 'a changed list: the job ran')
  b.resetJob()
  r = await source({ reason: 'RELEASE', interface: 'eth0', old_ntp_servers: '192.0.2.2' })
  t.equal(r.stdout, 'went on: 0\n')
  t.equal(b.list('eth0'), undefined, 'RELEASE: the list is gone')
  t.equal(await b.job(NO_START_WAIT_MS), undefined, 'RELEASE: no job')
  for (const reason of ['EXPIRE', 'FAIL', 'STOP', 'TIMEOUT']) {
    await writer(b, ['set', 'eth1', '192.0.2.3'])
    await source({ reason, interface: 'eth1' })
    t.equal(b.list('eth1'), undefined, `${reason}: cleared`)
  }
  await source({ reason: 'REBOOT', interface: 'eth1', new_ntp_servers: '192.0.2.4' })
  t.equal(b.list('eth1'), '192.0.2.4\n', 'REBOOT: written')
  t.equal(await b.job(START_WAIT_MS), '0', 'REBOOT, a new list: the job ran')
  for (const reason of ['PREINIT', 'MEDIUM', 'ARPCHECK', 'BOUND6', 'RELEASE6', 'STOP6']) {
    await source({ reason, interface: 'eth1', new_ntp_servers: '192.0.2.5' })
    t.equal(b.list('eth1'), '192.0.2.4\n', `${reason}: the list left alone`)
  }
  b.resetJob()
  await source({ reason: 'BOUND', interface: 'eth1' })
  t.equal(b.list('eth1'), undefined, 'a lease without option 42: no list')
  t.equal(await b.job(NO_START_WAIT_MS), undefined, 'and no job')
  r = await source({ reason: 'BOUND', interface: '../../x', new_ntp_servers: '192.0.2.6' })
  t.equal(r.stdout, 'went on: 0\n', 'an invalid interface: dhclient-script still goes on with status 0')
  t.notOk(existsSync(join(b.dir, 'x')), 'and nothing written outside')
  r = await source({ reason: 'BOUND', interface: 'eth2', new_ntp_servers: '192.0.2.7', TSNTPDATE_DHCP_WRITER: join(b.dir, 'absent') })
  t.same([r.stdout, r.stderr], ['went on: 0\n', ''], 'without the writer installed (the package removed, the conffile kept): silent, status 0')
})

t.test('NetworkManager dispatcher: the DHCP4 and DHCP6 servers through the writer, then the job', async (t) => {
  const b = box(t)
  const dispatch = async (iface: string, action: string, env: NodeJS.ProcessEnv = {}) => {
    b.resetJob()
    const r = await runCommand([DISPATCHER, iface, action], { env: { ...b.env, ...env }, cwd: b.dir })
    t.same([r.code, r.stdout, r.stderr], [0, '', ''], `${iface} ${action}: exit 0, silent`)
  }
  writeFileSync(join(b.dir, 'glob.example'), '')
  await dispatch('eth0', 'up', { DHCP4_NTP_SERVERS: '192.0.2.1 192.0.2.2 $(reboot) *', DHCP6_DHCP6_NTP_SERVERS: '2001:db8::1 192.0.2.1' })
  t.equal(b.list('eth0'), '192.0.2.1\n192.0.2.2\n2001:db8::1\n', 'up: DHCPv4 then DHCPv6 servers, checked, no duplicates')
  t.equal(await b.job(START_WAIT_MS), '0', 'up: the job ran, SPLAY 0')
  await dispatch('eth0', 'dhcp4-change', { DHCP4_NTP_SERVERS: '192.0.2.1 192.0.2.2', DHCP6_DHCP6_NTP_SERVERS: '2001:db8::1' })
  t.equal(await b.job(NO_START_WAIT_MS), undefined, 'dhcp4-change, same list: no job')
  await dispatch('eth0', 'dhcp4-change', { DHCP4_NTP_SERVERS: '192.0.2.3', DHCP6_DHCP6_NTP_SERVERS: '2001:db8::1' })
  t.equal(b.list('eth0'), '192.0.2.3\n2001:db8::1\n', 'dhcp4-change: the new list')
  t.equal(await b.job(START_WAIT_MS), '0', 'a changed list: the job ran')
  await dispatch('eth0', 'dhcp6-change', { DHCP4_NTP_SERVERS: '192.0.2.3', DHCP6_DHCP6_NTP_SERVERS: '2001:db8::2' })
  t.equal(b.list('eth0'), '192.0.2.3\n2001:db8::2\n', 'dhcp6-change: the new list')
  t.equal(await b.job(START_WAIT_MS), '0', 'a changed list: the job ran')
  await dispatch('eth0', 'dhcp6-change', {})
  t.equal(b.list('eth0'), undefined, 'a change to no servers: the list goes')
  t.equal(await b.job(NO_START_WAIT_MS), undefined, 'and no job')
  await dispatch('eth0', 'up', { DHCP4_NTP_SERVERS: '192.0.2.4' })
  t.equal(await b.job(START_WAIT_MS), '0')
  await dispatch('eth0', 'down')
  t.equal(b.list('eth0'), undefined, 'down: cleared')
  t.equal(await b.job(NO_START_WAIT_MS), undefined, 'down: no job')
  await dispatch('eth0', 'up', { DHCP4_NTP_SERVERS: '192.0.2.4' })
  t.equal(await b.job(START_WAIT_MS), '0')
  await dispatch('eth0', 'pre-down')
  t.equal(b.list('eth0'), undefined, 'pre-down: cleared')
  await dispatch('eth0', 'up', {})
  t.equal(b.list('eth0'), undefined, 'up without DHCP servers (static): no list')
  t.equal(await b.job(START_WAIT_MS), '0', 'up: the job runs all the same')
  await dispatch('tun0', 'vpn-up', { DHCP4_NTP_SERVERS: '192.0.2.5' })
  t.equal(b.list('tun0'), undefined, 'vpn-up: no list')
  t.equal(await b.job(START_WAIT_MS), '0', 'vpn-up: the job ran')
  await dispatch('lo', 'up', { DHCP4_NTP_SERVERS: '192.0.2.6' })
  t.equal(b.list('lo'), undefined, 'lo: nothing')
  t.equal(await b.job(NO_START_WAIT_MS), undefined, 'lo: no job')
  await dispatch('', 'connectivity-change')
  await dispatch('../../x', 'up', { DHCP4_NTP_SERVERS: '192.0.2.7' })
  t.notOk(existsSync(join(b.dir, 'x')), 'an invalid interface: nothing written outside')
  await dispatch('eth9', 'up', { DHCP4_NTP_SERVERS: '192.0.2.8', TSNTPDATE_DHCP_WRITER: join(b.dir, 'absent') })
  t.equal(await b.job(START_WAIT_MS), '0', 'without the writer: up still runs the job')
})

// --- end to end: dhclient and dnsmasq over a veth pair between two network namespaces ---

const e2eSkip = (): string | undefined => {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces); runs in CI'
  for (const tool of ['ip', 'unshare', 'dnsmasq', 'dhclient', 'dhclient-script']) {
    if (spawnSync('sh', ['-c', `command -v ${tool} || [ -x /usr/sbin/${tool} ] || [ -x /sbin/${tool} ]`]).status !== 0) return `needs ${tool} (iproute2, util-linux, dnsmasq-base, isc-dhcp-client)`
  }
  return undefined
}
const skip = e2eSkip()
if (skip !== undefined && process.env['CI'] !== undefined) {
  t.fail(`end to end with dhclient and dnsmasq: ${skip}, and CI is set`)
} else {
  t.test('end to end: a real dhclient gets option 42 from dnsmasq, the hook writes the list; a release clears it', { skip: skip ?? false, timeout: 110_000 }, async (t) => {
    const b = box(t)
    chmodSync(b.dir, 0o755)
    const tag = `${process.pid % 100000}`
    const srvNs = `tsnd-srv-${tag}`
    const cliNs = `tsnd-cli-${tag}`
    const srvIf = `tsd${tag}s`
    const cliIf = `tsd${tag}c`
    const sh = (script: string, timeoutMs = 30_000) => runCommand(['sh', '-c', script], { env: { PATH: `${process.env['PATH'] ?? '/usr/bin:/bin'}:/usr/sbin:/sbin` }, cwd: b.dir, timeoutMs })
    const hooks = join(b.dir, 'exit-hooks')
    const enter = join(b.dir, 'enter-hooks')
    mkdirSync(hooks)
    mkdirSync(enter)
    // as the package installs it; run-parts runs it by this name
    copyFileSync(DHCLIENT_HOOK, join(hooks, 'tsntpdate'))
    // dhclient hands dhclient-script its own environment only: the enter hook (sourced in the same
    // shell before the exit hooks) points ours at the test's files, and keeps resolv.conf alone
    writeFileSync(
      join(enter, 'test-env'),
      [
        'make_resolv_conf() { :; }',
        ...Object.entries(b.env)
          .filter(([k]) => k.startsWith('TSNTPDATE_'))
          .map(([k, v]) => `${k}='${v ?? ''}'; export ${k}`),
        '',
      ].join('\n'),
    )
    writeFileSync(join(b.dir, 'resolv.conf'), '')
    writeFileSync(join(b.dir, 'dhclient.conf'), 'timeout 30;\nretry 5;\nrequest subnet-mask, broadcast-address, routers, ntp-servers;\n')
    // in the client namespace, with its own mounts (our hook directories over the host's) and
    // its own hostname (dhclient-script may set it from the lease)
    const inCli = (command: string) =>
      `ip netns exec ${cliNs} unshare --mount --uts sh -c 'mount --make-rprivate / && mount --bind ${hooks} /etc/dhcp/dhclient-exit-hooks.d && mount --bind ${enter} /etc/dhcp/dhclient-enter-hooks.d && mount --bind ${join(b.dir, 'resolv.conf')} /etc/resolv.conf && exec ${command}'`
    const dhclient = (flags: string) => inCli(`dhclient ${flags} -v -cf ${b.dir}/dhclient.conf -pf ${b.dir}/dhclient.pid -lf ${b.dir}/dhclient.leases ${cliIf}`)
    t.teardown(async () => {
      if (existsSync(join(b.dir, 'dhclient.pid'))) await sh(`kill "$(cat dhclient.pid)" 2>/dev/null`)
      if (existsSync(join(b.dir, 'dnsmasq.pid'))) await sh(`kill "$(cat dnsmasq.pid)" 2>/dev/null`)
      await sh(`ip netns del ${cliNs} 2>/dev/null; ip netns del ${srvNs} 2>/dev/null; true`)
    })
    const setup = await sh(
      [
        `ip netns add ${srvNs}`,
        `ip netns add ${cliNs}`,
        // made inside the server's namespace, so it never appears among the host's interfaces
        `ip -n ${srvNs} link add ${srvIf} type veth peer name ${cliIf} netns ${cliNs}`,
        `ip -n ${srvNs} link set lo up`,
        `ip -n ${srvNs} addr add 192.0.2.1/24 dev ${srvIf}`,
        `ip -n ${srvNs} link set ${srvIf} up`,
        `ip -n ${cliNs} link set lo up`,
        `ip -n ${cliNs} link set ${cliIf} up`,
        `ip netns exec ${srvNs} dnsmasq --conf-file=/dev/null --port=0 --user=root --interface=${srvIf} --bind-interfaces --dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h --dhcp-option=option:ntp-server,192.0.2.1,192.0.2.123 --dhcp-option=option:router,192.0.2.1 --dhcp-leasefile=${b.dir}/dnsmasq.leases --pid-file=${b.dir}/dnsmasq.pid --no-ping --log-dhcp --log-facility=${b.dir}/dnsmasq.log`,
      ].join(' && '),
    )
    t.equal(setup.code, 0, `namespaces, veth pair, dnsmasq: ${setup.stdout}${setup.stderr}`)
    if (setup.code !== 0) return
    // -1: one try (dhclient exits 2 without a lease); once bound it stays as a daemon
    const got = await sh(dhclient('-1'), 60_000)
    const log = () => `${got.stdout}${got.stderr}\n${existsSync(join(b.dir, 'dnsmasq.log')) ? readFileSync(join(b.dir, 'dnsmasq.log'), 'utf8') : ''}`
    t.equal(got.code, 0, 'dhclient got a lease', { output: log() })
    t.match(got.stdout + got.stderr, /bound to 192\.0\.2\.\d+/)
    t.equal(b.list(cliIf), '192.0.2.1\n192.0.2.123\n', "the lease's option 42 servers are the interface's list")
    t.equal(statSync(join(b.lists, cliIf)).mode & 0o7777, 0o644)
    t.equal(await b.job(START_WAIT_MS), '0', 'the hourly job was started, SPLAY 0')
    const addr = await sh(`ip -n ${cliNs} -4 -br addr show ${cliIf}`)
    t.match(addr.stdout, /192\.0\.2\.\d+\/24/, "the client's namespace has the lease's address")
    // -r: release the lease and stop the daemon; the hooks see RELEASE
    const released = await sh(dhclient('-r'), 30_000)
    t.equal(released.code, 0, 'dhclient -r', { output: released.stdout + released.stderr })
    t.equal(b.list(cliIf), undefined, 'RELEASE: the list is gone')
    t.same(readdirSync(b.lists), [], 'no other file in the list directory')
  })
}
