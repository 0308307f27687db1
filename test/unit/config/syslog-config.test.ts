import t from 'tap'
import { FACILITIES, parseFacility, parseSyslogServer, SEVERITY_CODES } from '../../../src/config/syslog-config.js'

t.test('facility names are those of syslog(3), codes as <syslog.h> >> 3; kern is refused', async (t) => {
  t.equal(parseFacility('daemon'), 3)
  t.equal(parseFacility('user'), 1)
  t.equal(parseFacility('authpriv'), 10)
  t.equal(parseFacility('local0'), 16)
  t.equal(parseFacility('LOCAL7'), 23, 'case does not matter')
  t.equal(Object.keys(FACILITIES).length, 19)
  for (const bad of ['kern', 'local8', 'daemon ', '', '3']) {
    t.match(parseFacility(bad), { error: new RegExp(`^'${bad}' is not a syslog facility \\(user, mail, daemon, .*local7\\)$`) }, `'${bad}'`)
  }
})

t.test('severities: ERR 3 and NOTICE 5 (RFC 5424 §6.2.1)', async (t) => {
  t.same(SEVERITY_CODES, { err: 3, notice: 5 })
})

t.test('--syslog-server URLs', async (t) => {
  t.same(parseSyslogServer('udp://logs.example'), { transport: 'udp', host: 'logs.example', port: 514, url: 'udp://logs.example:514' })
  t.same(parseSyslogServer('tcp://127.0.0.1:601'), { transport: 'tcp', host: '127.0.0.1', port: 601, url: 'tcp://127.0.0.1:601' })
  t.same(parseSyslogServer('udp://[::1]:5514'), { transport: 'udp', host: '::1', port: 5514, url: 'udp://[::1]:5514' })
  t.same(parseSyslogServer('TCP://[2001:db8::1]'), { transport: 'tcp', host: '2001:db8::1', port: 514, url: 'tcp://[2001:db8::1]:514' })
  for (const bad of ['logs.example', 'udp:logs.example', 'udp://', 'http://logs.example', 'tls://h:6514', 'udp://h/path', 'udp://u@h', 'udp://h?x', 'udp://h#x', 'udp://h:abc', '']) {
    t.match(parseSyslogServer(bad), { error: /^'.*' is not udp:\/\/HOST\[:PORT\] or tcp:\/\/HOST\[:PORT\]$/ }, `'${bad}'`)
  }
  t.match(parseSyslogServer('udp://h:0'), { error: "'udp://h:0': port 0 is not from 1 to 65535" })
})

t.test('names from Object.prototype are no facilities; a port above 65535 is named (issue 9, finding 12)', async (t) => {
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    t.same(parseFacility(name), { error: `'${name}' is not a syslog facility (${Object.keys(FACILITIES).join(', ')})` }, name)
  }
  t.same(parseSyslogServer('tcp://host:99999'), { error: "'tcp://host:99999': port 99999 is not from 1 to 65535" })
  t.same(parseSyslogServer('udp://[::1]:70000'), { error: "'udp://[::1]:70000': port 70000 is not from 1 to 65535" })
  t.same(parseSyslogServer('udp://h:0'), { error: "'udp://h:0': port 0 is not from 1 to 65535" })
  t.match(parseSyslogServer('tcp://h:65535'), { port: 65535 })
})
