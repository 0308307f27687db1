import t from 'tap'
import { joinDashedValues, parseArgs } from '../../../src/cli/args.js'
import type { Options } from '../../../src/config/options.js'
import { UsageError } from '../../../src/errors.js'
import { parseArgsError } from '../../helpers/unit.js'

const defaults: Options = {
  servers: [],
  defaultServers: true,
  family: undefined,
  sourceAddress: undefined,
  samples: 4,
  gapSeconds: 2,
  timeoutSeconds: 2,
  ntpVersion: 4,
  query: false,
  debug: false,
  method: 'auto',
  maxStepSeconds: undefined,
  force: false,
  maxOffsetSeconds: undefined,
  json: false,
  metricsFile: undefined,
  keyId: undefined,
  keyFile: undefined,
  authDelaySeconds: undefined,
  syncMark: true,
  driftFile: undefined,
  nts: false,
  ntsCa: undefined,
  ntsCache: undefined,
  showVersion: false,
  help: false,
  syslog: false,
  syslogFacility: 3,
  syslogServer: undefined,
  syslogFormat: 'rfc5424',
}

/** parseArgs, compared field by field against the defaults (an absent key reads as undefined). */
const parsed = (...argv: string[]) => ({ ...defaults, ...parseArgs(argv) })

t.test('defaults', async (t) => {
  t.same(parsed(), defaults)
  t.same(parsed('a.example', 'b.example'), { ...defaults, servers: ['a.example', 'b.example'], defaultServers: false })
})

t.test('samples: 4, or 1 with -q unless -p says otherwise', async (t) => {
  t.equal(parseArgs([]).samples, 4)
  t.equal(parseArgs(['-q']).samples, 1)
  t.equal(parseArgs(['-q', '-p', '3']).samples, 3)
  t.equal(parseArgs(['-p', '3', '-q']).samples, 3)
  t.equal(parseArgs(['-p', '8']).samples, 8)
})

t.test('getopt-style bundles', async (t) => {
  t.same(parsed('-qp4'), { ...defaults, query: true, samples: 4 })
  t.same(parsed('-t1'), { ...defaults, timeoutSeconds: 1 })
  t.same(parsed('-qd'), { ...defaults, query: true, debug: true, samples: 1 })
  t.same(parsed('-qp', '2', 'host'), { ...defaults, query: true, samples: 2, servers: ['host'], defaultServers: false })
  t.same(parsed('-qp', '4'), parsed('-q', '-p4'))
  t.same(parsed('-p4'), parsed('-p', '4'))
})

t.test('the word after an option that takes a value is its value, as with getopt', async (t) => {
  t.same(joinDashedValues(['--gap', '-1', '-t', '-2', '-qp', '-3', '-p']), ['--gap=-1', '-t-2', '-qp-3', '-p'])
  t.same(joinDashedValues(['-q', '--', '--gap', '-1']), ['-q', '--', '--gap', '-1'], 'nothing after -- is touched')
  t.equal(parseArgs(['--max-step', '0.5', '-b']).method, 'step', 'an option after a value is still an option')
  t.throws(() => parseArgs(['-p', '-q']), { message: /^-p: '-q'/ }, '-p -q: -q is the value of -p')
})

t.test('the last of -b/-B and of -4/-6 wins', async (t) => {
  t.equal(parseArgs(['-b']).method, 'step')
  t.equal(parseArgs(['-B']).method, 'slew')
  t.equal(parseArgs(['-b', '-B']).method, 'slew')
  t.equal(parseArgs(['-B', '-b']).method, 'step')
  t.equal(parseArgs(['-bB']).method, 'slew')
  t.equal(parseArgs(['-Bb']).method, 'step')
  t.equal(parseArgs(['--step', '-B', '--step']).method, 'step')
  t.equal(parseArgs(['-4']).family, 4)
  t.equal(parseArgs(['-6']).family, 6)
  t.equal(parseArgs(['-4', '-6']).family, 6)
  t.equal(parseArgs(['-6', '-4']).family, 4)
  t.equal(parseArgs(['-46']).family, 6)
  t.equal(parseArgs(['--ipv6', '--ipv4']).family, 4)
})

t.test('long forms', async (t) => {
  t.same(parsed('--query', '--debug', '--samples', '3', '--timeout', '0.5', '--ntp-version', '3', '--gap', '0', '--max-step', '0.25', '--ipv6', '--slew', 'h'), {
    ...defaults,
    query: true,
    debug: true,
    samples: 3,
    timeoutSeconds: 0.5,
    ntpVersion: 3,
    gapSeconds: 0,
    maxStepSeconds: 0.25,
    family: 6,
    method: 'slew',
    servers: ['h'],
    defaultServers: false,
  })
  t.equal(parseArgs(['--timeout=0.5']).timeoutSeconds, 0.5, '--name=value')
  t.equal(parseArgs(['--step']).method, 'step')
  t.equal(parseArgs(['-o', '1']).ntpVersion, 1)
})

t.test('decimal values as typed', async (t) => {
  t.equal(parseArgs(['-t', '.5']).timeoutSeconds, 0.5)
  t.equal(parseArgs(['-t', '0.25']).timeoutSeconds, 0.25)
  t.equal(parseArgs(['-p', '04']).samples, 4)
  t.equal(parseArgs(['--max-step=300']).maxStepSeconds, 300)
})

t.test('a repeated option takes its last value', async (t) => {
  t.equal(parseArgs(['-t', '1', '-t', '3']).timeoutSeconds, 3)
  t.equal(parseArgs(['-p', '4', '-p', '2']).samples, 2)
})

t.test('options may follow servers; after -- everything is a server', async (t) => {
  t.same(parsed('host', '-q'), { ...defaults, servers: ['host'], defaultServers: false, query: true, samples: 1 })
  t.same(parsed('--', 'a.example', 'b.example'), { ...defaults, servers: ['a.example', 'b.example'], defaultServers: false })
  t.same(parsed('-q', 'x', '--', '-b', '-4'), { ...defaults, servers: ['x', '-b', '-4'], defaultServers: false, query: true, samples: 1 })
})

t.test('bad values are usage errors that name the option', async (t) => {
  const cases: [string[], RegExp][] = [
    [['-t', 'abc'], /^-t: 'abc'/],
    [['-t', '0'], /^-t: '0'/],
    [['-t', '61'], /^-t: '61'/],
    [['--timeout', 'Infinity'], /^-t: 'Infinity'/],
    [['-p', '0'], /^-p: '0'/],
    [['-p', '9'], /^-p: '9'/],
    [['-p', '1.5'], /^-p: '1.5'/],
    [['-o', '0'], /^-o: '0'/],
    [['-o', '5'], /^-o: '5'/],
    [['--gap', '-1'], /^--gap: '-1'/],
    [['--gap=-1'], /^--gap: '-1'/],
    [['--gap', '61'], /^--gap: '61'/],
    [['--max-step', '0'], /^--max-step: '0'/],
    [['--max-step', '-2'], /^--max-step: '-2'/],
    [['-t', '-1'], /^-t: '-1'/],
    [['-p', '0x4'], /^-p: '0x4'/],
    [['-p', '1.0'], /^-p: '1\.0'/],
    [['-t', '1e1'], /^-t: '1e1'/],
    [['-t', ''], /-t/],
    [['--gap=0x1'], /^--gap: '0x1'/],
    [['-z'], /'-z'/],
    [['--bogus'], /'--bogus'/],
    [['-p'], /-p/],
    [['host', '-t'], /-t/],
  ]
  for (const [argv, message] of cases) {
    const error = parseArgsError(argv)
    t.ok(error instanceof UsageError, `${argv.join(' ')}: throws a UsageError`)
    t.match(error, { code: 'USAGE', message }, `${argv.join(' ')}: ${(error as Error | undefined)?.message}`)
  }
})

t.test('-a, -k and -e: the key id, the key file (default /etc/ntp.keys), the delay checked', async (t) => {
  t.match(parseArgs(['-a', '1', 'h']), { keyId: 1, keyFile: undefined, authDelaySeconds: undefined })
  t.match(parseArgs(['-qa4294967295', '-k', '/etc/chrony.keys', '-e', '0.2', 'h']), { keyId: 4294967295, keyFile: '/etc/chrony.keys', authDelaySeconds: 0.2, query: true })
  t.match(parseArgs(['h']), { keyId: undefined })
  for (const argv of [
    ['-a', '0', 'h'],
    ['-a', '4294967296', 'h'],
    ['-a', 'x', 'h'],
    ['-e', '1.5', 'h'],
    ['-e', '-1', 'h'],
    ['-k', '', 'h'],
  ]) {
    const error = parseArgsError(argv)
    t.ok(error instanceof UsageError, `${argv.join(' ')}: a UsageError (${(error as Error | undefined)?.message})`)
  }
})

t.test('-u is accepted and changes nothing', async (t) => {
  t.same(parseArgs(['-u', 'host']), parseArgs(['host']))
  t.same(parseArgs(['-qu']), parseArgs(['-q']))
})

t.test('-v and -h', async (t) => {
  t.same(parsed('-v'), { ...defaults, showVersion: true })
  t.same(parsed('--version'), { ...defaults, showVersion: true })
  t.same(parsed('-h'), { ...defaults, help: true })
  t.same(parsed('--help'), { ...defaults, help: true })
  t.same(parsed('-vq', 'host'), { ...defaults, showVersion: true, query: true, samples: 1, servers: ['host'], defaultServers: false })
})

t.test('--force: set the clock even while a time daemon runs', async (t) => {
  t.equal(parseArgs(['--force', 'h']).force, true)
  t.equal(parseArgs(['-b', 'h', '--force']).force, true, 'after a server too')
  t.equal(parseArgs(['h']).force, false)
})

t.test('a flag given twice means what it means once (issue 9, finding 1)', async (t) => {
  const once: Record<string, string[]> = {
    query: ['-q'],
    debug: ['-d'],
    json: ['--json'],
    syslog: ['-s'],
    force: ['--force'],
    help: ['-h'],
    showVersion: ['-v'],
  }
  for (const [field, flag] of Object.entries(once)) {
    const single = parseArgs([...flag, 'host'])
    t.equal((single as unknown as Record<string, unknown>)[field], true, `${flag[0]}: ${field}`)
    for (const twice of [[...flag, ...flag], flag[0]!.startsWith('--') ? [...flag, ...flag, ...flag] : [flag[0]! + flag[0]!.slice(1)]]) {
      t.same(parseArgs([...twice, 'host']), single, `${twice.join(' ')} is ${flag[0]}`)
    }
  }
  t.same(parseArgs(['--query', '--query', 'h']), parseArgs(['-q', 'h']))
})

t.test('flags take no value, have no --no- forms, and only documented long forms exist (finding 2)', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--json=0'], /^option '--json' takes no value$/],
    [['--query=1'], /^option '--query' takes no value$/],
    [['--query=false'], /^option '--query' takes no value$/],
    [['--no-query'], /^unknown option '--no-query'$/],
    [['--no-json'], /^unknown option '--no-json'$/],
    [['--p', '8'], /^unknown option '--p'$/],
    [['--t', '0.2'], /^unknown option '--t'$/],
    [['--s'], /^unknown option '--s'$/],
    [['--u'], /^unknown option '--u'$/],
    [['--quer'], /^unknown option '--quer'$/],
    [['-', 'host'], /^'-' is neither an option nor a server$/],
    [['---', 'host'], /^unknown option '---'$/],
    [['-q', '-', 'host'], /^'-' is neither an option nor a server$/],
  ]
  for (const [argv, message] of cases) {
    const error = parseArgsError(argv)
    t.ok(error instanceof UsageError, `${argv.join(' ')}: a usage error`)
    t.match((error as Error | undefined)?.message, message, `${argv.join(' ')}: ${(error as Error | undefined)?.message}`)
  }
})

t.test('--source: an IP literal, whose family is the run', async (t) => {
  t.match(parseArgs(['--source', '192.0.2.1', 'x']), { sourceAddress: '192.0.2.1', family: 4 })
  t.match(parseArgs(['--source', '::1', 'x']), { sourceAddress: '::1', family: 6 })
  t.match(parseArgs(['-6', '--source', '::1', 'x']), { family: 6 })
  t.throws(() => parseArgs(['--source', 'eth0', 'x']), { message: "--source: 'eth0' is not an IPv4 or IPv6 address" })
  t.throws(() => parseArgs(['-4', '--source', '::1', 'x']), { message: '--source ::1 is an IPv6 address, and -4 asks for IPv4' })
})
