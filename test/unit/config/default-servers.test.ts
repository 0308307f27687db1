import t from 'tap'
import { chooseDefaultServers, dhcpServers, MAX_DHCP_SERVERS, stepTickerServers } from '../../../src/config/default-servers.js'
import { defaultServerPaths, readDefaultServerTexts } from '../../../src/io/files/default-server-files.js'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { MAX_CONFIG_BYTES, readConfigFile } from '../../../src/io/files/read-config-file.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

t.test('step-tickers: servers on one or more lines, # comments', async (t) => {
  const text = '# servers to step from\nntp1.example  # the near one\n\nntp2.example ntp3.example\n#ntp4.example\n'
  t.same(stepTickerServers(text).split(/\s+/).filter(Boolean), ['ntp1.example', 'ntp2.example', 'ntp3.example'])
})

t.test('the order: NTPSERVERS, then step-tickers, and nothing built in (issue 22, point 14)', async (t) => {
  const tickers = 'tick1 tick2\n'
  t.same(chooseDefaultServers({ defaults: 'NTPSERVERS="a b"', stepTickers: tickers }), { servers: ['a', 'b'], from: 'NTPSERVERS' })
  t.same(chooseDefaultServers({ defaults: 'NTPSERVERS=""', stepTickers: tickers }), { servers: ['tick1', 'tick2'], from: 'step-tickers' })
  t.same(chooseDefaultServers({ defaults: 'NTPSERVERS="  \t "', stepTickers: tickers }), { servers: ['tick1', 'tick2'], from: 'step-tickers' }, 'only blanks count as empty')
  t.same(chooseDefaultServers({ stepTickers: tickers }), { servers: ['tick1', 'tick2'], from: 'step-tickers' }, 'no defaults file')
  t.same(
    chooseDefaultServers({ defaults: 'NTPSERVERS="a\n', defaultsPath: '/etc/d', stepTickers: tickers }),
    {
      error: '/etc/d:1: not of the form NAME="value" (or NAME=\'value\', NAME=word, a # comment): NTPSERVERS="a',
    },
    'a defaults file outside the subset is an error, not a fallback',
  )
  t.same(
    chooseDefaultServers({ defaults: 'SPLAY=5\n', stepTickers: '# none\n' }),
    { error: 'no server named, and none configured: name one, or set NTPSERVERS in /etc/default/tsntpdate (or list servers in /etc/ntp/step-tickers)' },
    'no pool.ntp.org: none configured is said',
  )
  t.same(chooseDefaultServers({}), { error: 'no server named, and none configured: name one, or set NTPSERVERS in /etc/default/tsntpdate (or list servers in /etc/ntp/step-tickers)' })
})

t.test('the file paths: /etc by default, the environment may say otherwise', async (t) => {
  t.same(defaultServerPaths({}), { defaults: '/etc/default/tsntpdate', stepTickers: '/etc/ntp/step-tickers', dhcp: '/run/tsntpdate-dhcp', networkdLeases: '/run/systemd/netif/leases' })
  t.match(defaultServerPaths({ TSNTPDATE_DEFAULTS_FILE: '/tmp/d', TSNTPDATE_STEP_TICKERS: '/tmp/s', TSNTPDATE_DHCP_DIR: '/tmp/h' }), { defaults: '/tmp/d', stepTickers: '/tmp/s', dhcp: '/tmp/h' })
  t.same(defaultServerPaths({ TSNTPDATE_DEFAULTS_FILE: '', TSNTPDATE_STEP_TICKERS: '' }).defaults, '/etc/default/tsntpdate', 'empty means unset')
})

t.test('reading: a missing file counts as absent', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-defaults-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'defaults'), 'NTPSERVERS="x"\n')
  t.same(readDefaultServerTexts({ defaults: join(dir, 'defaults'), stepTickers: join(dir, 'missing') }), {
    defaults: 'NTPSERVERS="x"\n',
    defaultsPath: join(dir, 'defaults'),
    stepTickers: undefined,
    stepTickersPath: join(dir, 'missing'),
    warnings: [],
  })
  t.same(
    readDefaultServerTexts({ defaults: dir, stepTickers: join(dir, 'no', 'such') }),
    {
      defaults: undefined,
      defaultsPath: dir,
      stepTickers: undefined,
      stepTickersPath: join(dir, 'no', 'such'),
      warnings: [`${dir} is a directory, not a regular file; ignored`],
    },
    'a directory (with a warning), a missing parent (absent)',
  )
})

t.test('reading: only regular files, at most 1 MiB, never a hang (issue 9, finding 6)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-read-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const fifo = join(dir, 'fifo')
  const made = spawnSync('mkfifo', [fifo])
  t.equal(made.status, 0, 'mkfifo')
  const big = join(dir, 'big')
  writeFileSync(big, Buffer.alloc(MAX_CONFIG_BYTES + 1, 0x20))
  const cases: [string, unknown][] = [
    [fifo, { refused: `${fifo} is a FIFO, not a regular file; ignored` }],
    ['/dev/zero', { refused: '/dev/zero is a character device, not a regular file; ignored' }],
    ['/dev/null', { refused: '/dev/null is a character device, not a regular file; ignored' }],
    [big, { refused: `${big} is larger than ${MAX_CONFIG_BYTES} bytes; ignored` }],
    [join(dir, 'none'), { absent: true }],
  ]
  for (const [path, expected] of cases) t.same(readConfigFile(path), expected, path)
  writeFileSync(join(dir, 'ok'), 'NTPSERVERS=x\n', { mode: 0o640 })
  t.match(readConfigFile(join(dir, 'ok')), { text: 'NTPSERVERS=x\n' })
  const mode = (readConfigFile(join(dir, 'ok')) as { mode: number }).mode & 0o777
  t.equal(mode & 0o600, 0o600, 'and its mode')
})

t.test('DHCP servers (issue 24): in place of NTPSERVERS, as ntpdate-debian; IGNORE_DHCP=yes, -a and --nts turn them off', async (t) => {
  const dhcp = [
    { from: '/run/tsntpdate-dhcp/eth0', words: ['192.0.2.1', 'ntp.example.net'] },
    { from: '/run/systemd/netif/leases/3', words: ['192.0.2.1', '2001:db8::1'] },
  ]
  const defaults = 'NTPSERVERS="a b"\n'
  t.same(chooseDefaultServers({ defaults, dhcp }), { servers: ['192.0.2.1', 'ntp.example.net', '2001:db8::1'], from: 'DHCP' }, 'every interface, each server once')
  t.same(chooseDefaultServers({ defaults: defaults + 'IGNORE_DHCP=yes\n', dhcp }), { servers: ['a', 'b'], from: 'NTPSERVERS' })
  t.same(chooseDefaultServers({ defaults, dhcp }, true), { servers: ['a', 'b'], from: 'NTPSERVERS' }, 'never with -a or --nts')
  t.same(chooseDefaultServers({ dhcp: [], defaults }), { servers: ['a', 'b'], from: 'NTPSERVERS' }, 'no lease: the defaults file')
})

t.test('DHCP servers are untrusted: no option, no port, no shell, bounded', async (t) => {
  const hostile = ['-oProxyCommand=x', '$(reboot)', 'a;b', 'host:123', '[::1]:123', '..', 'x'.repeat(300), 'ok.example', '::1']
  const chosen = chooseDefaultServers({ dhcp: [{ from: 'f', words: hostile }] })
  t.same(chosen, {
    servers: ['ok.example', '::1'],
    from: 'DHCP',
    dropped: hostile.filter((w) => w !== 'ok.example' && w !== '::1').map((w) => `f: '${w.slice(0, 64)}' is no server name or address; ignored`),
  })
  const many = Array.from({ length: 40 }, (_, i) => `10.0.0.${i}`)
  t.equal(dhcpServers([{ from: 'f', words: many }]).servers.length, MAX_DHCP_SERVERS)
})

t.test("reading the DHCP lists: the hooks' files (root's, closed to others) and networkd's leases", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-dhcp-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const hooks = join(dir, 'hooks')
  const leases = join(dir, 'leases')
  mkdirSync(hooks)
  mkdirSync(leases)
  writeFileSync(join(hooks, 'eth0'), '192.0.2.1\n192.0.2.2\n', { mode: 0o644 })
  writeFileSync(join(hooks, 'wlan0'), '192.0.2.9\n', { mode: 0o666 })
  chmodSync(join(hooks, 'wlan0'), 0o666)
  writeFileSync(join(hooks, '.eth0.tmp'), '192.0.2.66\n')
  writeFileSync(join(leases, '2'), '# This is private data. Do not parse.\nADDRESS=192.0.2.100\nNTP=192.0.2.3 192.0.2.4\n', { mode: 0o644 })
  const texts = readDefaultServerTexts({ defaults: join(dir, 'none'), stepTickers: join(dir, 'none'), dhcp: hooks, networkdLeases: leases })
  t.same(texts.dhcp, [
    { from: join(hooks, 'eth0'), words: ['192.0.2.1', '192.0.2.2'] },
    { from: join(leases, '2'), words: ['192.0.2.3', '192.0.2.4'] },
  ])
  t.same(texts.warnings, [`DHCP servers: ${join(hooks, 'wlan0')} may be written by others than root; ignored`])
  t.same(readDefaultServerTexts({ defaults: join(dir, 'none'), stepTickers: join(dir, 'none'), dhcp: join(dir, 'absent') }).dhcp, undefined, 'no directory: no DHCP servers')
})
