import t from 'tap'
import { parseServerSpec } from '../../../src/config/server.js'
import { displayServer, NTP_PORT } from '../../../src/ntp/endpoint.js'

t.test('parseServerSpec accepts', async (t) => {
  t.equal(NTP_PORT, 123)
  const cases: [string, string, number][] = [
    ['time.example.org', 'time.example.org', 123],
    ['time.example.org:1123', 'time.example.org', 1123],
    ['1.2.3.4', '1.2.3.4', 123],
    ['1.2.3.4:123', '1.2.3.4', 123],
    ['127.0.0.1:65535', '127.0.0.1', 65_535],
    ['host:1', 'host', 1],
    ['[::1]:11123', '::1', 11_123],
    ['[::1]', '::1', 123],
    ['::1', '::1', 123],
    ['fe80::1', 'fe80::1', 123],
    ['2001:db8::123', '2001:db8::123', 123],
  ]
  for (const [text, host, port] of cases) t.same(parseServerSpec(text), { text, host, port }, text)
})

t.test('parseServerSpec refuses, naming the input and the problem', async (t) => {
  const cases: [string, RegExp][] = [
    ['', /empty name/],
    ['[::1', /missing '\]'/],
    ['[::1]x', /expected ':PORT' after '\]'/],
    ['[::1]:', /port '' is not a number/],
    ['host:', /port '' is not a number/],
    ['host:0', /port '0' is not a number from 1 to 65535/],
    ['host:65536', /port '65536'/],
    ['host:abc', /port 'abc'/],
    ['host:-1', /port '-1'/],
    ['[1.2.3.4]:5', /brackets are only for IPv6/],
    [':123', /empty host/],
    ['a host', /not a host name or address/],
    ['user@host', /not a host name or address/],
  ]
  for (const [text, message] of cases) {
    const result = parseServerSpec(text)
    t.ok('error' in result, `'${text}' is refused`)
    if ('error' in result) {
      t.match(result.error, message, `'${text}': ${result.error}`)
      t.ok(result.error.startsWith(`bad server '${text}': `), `'${text}': the message quotes the input`)
    }
  }
})

t.test('displayServer shows the port only when it is not 123', async (t) => {
  t.equal(displayServer({ address: '192.0.2.1', port: 123, family: 4 }), '192.0.2.1')
  t.equal(displayServer({ address: '192.0.2.1', port: 11123, family: 4 }), '192.0.2.1:11123')
  t.equal(displayServer({ address: '2001:db8::1', port: 123, family: 6 }), '2001:db8::1')
  t.equal(displayServer({ address: '::1', port: 11123, family: 6 }), '[::1]:11123')
})

t.test('a name that starts with - is no server (NTPSERVERS="-b" must not become an option)', async (t) => {
  t.same(parseServerSpec('-b'), { error: "bad server '-b': not a host name or address" })
  t.same(parseServerSpec('--max-step=9'), { error: "bad server '--max-step=9': not a host name or address" })
})
