import t from 'tap'
import { BUILT_IN_SERVER, chooseDefaultServers, ntpServersValue, stepTickerServers } from '../../src/default-servers.js'
import { defaultServerPaths, readDefaultServerTexts } from '../../src/io/default-server-files.js'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

t.test('NTPSERVERS: the simple assignment forms a defaults file uses', async (t) => {
  t.equal(ntpServersValue('NTPSERVERS="a.example b.example"\n'), 'a.example b.example', 'double quotes')
  t.equal(ntpServersValue("NTPSERVERS='a b'\n"), 'a b', 'single quotes')
  t.equal(ntpServersValue('NTPSERVERS=a.example # the one\n'), 'a.example', 'bare word, then a comment')
  t.equal(ntpServersValue('  export NTPSERVERS="x"\n'), 'x', 'indented, exported')
  t.equal(ntpServersValue('NTPSERVERS="a\n  b"\nNTPOPTIONS=-u\n'), 'a\n  b', 'a quoted value spans lines')
  t.equal(ntpServersValue('NTPSERVERS="a"\nNTPSERVERS="b c"\n'), 'b c', 'the last assignment wins, as in sh')
  t.equal(ntpServersValue('NTPSERVERS=\n'), '', 'an empty value')
  t.equal(ntpServersValue('NTPSERVERS=""\n'), '', 'an empty quoted value')
  t.equal(ntpServersValue('NTPSERVERS="$HOST"\n'), '$HOST', 'nothing is expanded')
  t.equal(ntpServersValue('NTPSERVERS="a \\"b\\" \\\\"\n'), 'a "b" \\', 'backslash escapes inside double quotes')
  t.equal(ntpServersValue("NTPSERVERS='a \\ b' # x\n"), 'a \\ b', 'none inside single quotes')
  t.equal(ntpServersValue('NTPSERVERS="a b\n'), 'a b\n', 'an unclosed quote: the rest of the file')
  t.equal(ntpServersValue('# NTPSERVERS="commented out"\nNTPOPTIONS=""\n'), undefined, 'a commented line is no assignment')
  t.equal(ntpServersValue('MY_NTPSERVERS="x"\n'), undefined, 'another variable')
  t.equal(ntpServersValue(''), undefined, 'an empty file')
})

t.test('step-tickers: servers on one or more lines, # comments', async (t) => {
  const text = '# servers to step from\nntp1.example  # the near one\n\nntp2.example ntp3.example\n#ntp4.example\n'
  t.same(stepTickerServers(text).split(/\s+/).filter(Boolean), ['ntp1.example', 'ntp2.example', 'ntp3.example'])
})

t.test('the order: NTPSERVERS, then step-tickers, then pool.ntp.org', async (t) => {
  const tickers = 'tick1 tick2\n'
  t.same(chooseDefaultServers({ defaults: 'NTPSERVERS="a b"', stepTickers: tickers }), { servers: ['a', 'b'], from: 'NTPSERVERS' })
  t.same(chooseDefaultServers({ defaults: 'NTPSERVERS=""', stepTickers: tickers }), { servers: ['tick1', 'tick2'], from: 'step-tickers' })
  t.same(chooseDefaultServers({ defaults: 'NTPSERVERS="  \n "', stepTickers: tickers }).from, 'step-tickers', 'only blanks count as empty')
  t.same(chooseDefaultServers({ stepTickers: tickers }).from, 'step-tickers', 'no defaults file')
  t.same(chooseDefaultServers({ defaults: 'SPLAY=5\n', stepTickers: '# none\n' }), { servers: [BUILT_IN_SERVER], from: 'built-in' })
  t.same(chooseDefaultServers({}), { servers: ['pool.ntp.org'], from: 'built-in' })
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
    stepTickers: undefined,
  })
  t.same(readDefaultServerTexts({ defaults: dir, stepTickers: join(dir, 'no', 'such') }), { defaults: undefined, stepTickers: undefined }, 'a directory, a missing parent')
})
