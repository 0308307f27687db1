import t from 'tap'
import { chooseDefaultServers, stepTickerServers } from '../../../src/config/default-servers.js'
import { defaultServerPaths, readDefaultServerTexts } from '../../../src/io/files/default-server-files.js'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
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
  t.same(defaultServerPaths({}), { defaults: '/etc/default/tsntpdate', stepTickers: '/etc/ntp/step-tickers' })
  t.same(defaultServerPaths({ TSNTPDATE_DEFAULTS_FILE: '/tmp/d', TSNTPDATE_STEP_TICKERS: '/tmp/s' }), { defaults: '/tmp/d', stepTickers: '/tmp/s' })
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
