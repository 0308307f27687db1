import t from 'tap'
import { parseArgs } from '../../../src/cli/args.js'
import { UsageError } from '../../../src/errors.js'
import { parseArgsError } from '../../helpers/unit.js'

t.test('defaults: no syslog, facility daemon, rfc5424', async (t) => {
  t.match(parseArgs(['h']), { syslog: false, syslogFacility: 3, syslogServer: undefined, syslogFormat: 'rfc5424' })
})

t.test('-s, alone or bundled', async (t) => {
  t.equal(parseArgs(['-s', 'h']).syslog, true)
  t.equal(parseArgs(['-qs', 'h']).syslog, true)
  t.equal(parseArgs(['-sq', 'h']).query, true)
})

t.test('--syslog-facility, --syslog-server, --syslog-format, with a space or =', async (t) => {
  const options = parseArgs(['-s', '--syslog-facility', 'local3', '--syslog-server=tcp://[::1]:601', '--syslog-format', 'rfc3164', 'h'])
  t.match(options, {
    syslog: true,
    syslogFacility: 19,
    syslogServer: { transport: 'tcp', host: '::1', port: 601, url: 'tcp://[::1]:601' },
    syslogFormat: 'rfc3164',
    servers: ['h'],
  })
  t.equal(parseArgs(['--syslog-facility', 'user', '--syslog-facility', 'local1', 'h']).syslogFacility, 17, 'the last one wins')
})

t.test('bad values are usage errors naming the option and the value', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--syslog-facility', 'kern'], /^--syslog-facility: 'kern' is not a syslog facility \(/],
    [['--syslog-facility', ''], /^--syslog-facility: '' is not a syslog facility/],
    [['--syslog-server', 'logs.example'], /^--syslog-server: 'logs\.example' is not udp:\/\/HOST\[:PORT\] or tcp:\/\/HOST\[:PORT\]$/],
    [['--syslog-server', 'udp://h:0'], /^--syslog-server: 'udp:\/\/h:0': port 0 is not from 1 to 65535$/],
    [['--syslog-format', 'json'], /^--syslog-format: 'json' is not rfc5424 or rfc3164$/],
    [['--syslog-server'], /syslog-server/],
  ]
  for (const [argv, message] of cases) {
    const error = parseArgsError([...argv, 'h'])
    t.ok(error instanceof UsageError, `${argv.join(' ')}: a UsageError`)
    t.match(error, { message }, argv.join(' '))
  }
})
