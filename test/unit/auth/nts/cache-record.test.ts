/** auth/nts/cache-record.ts and session.ts: a cached session round-trips; anything else reads as corrupt; the age limit. */
import t from 'tap'
import { decodeCacheRecord, encodeCacheRecord } from '../../../../src/auth/nts/cache-record.js'
import { isFresh, SESSION_MAX_AGE_SECONDS, type NtsSession } from '../../../../src/auth/nts/session.js'

const keServer = { host: 'nts.example', port: 4460 }
const session: NtsSession = {
  keServer,
  ntpServer: { host: '192.0.2.1', port: 123 },
  aead: 15,
  c2sKey: new Uint8Array(32).fill(1),
  s2cKey: new Uint8Array(32).fill(2),
  cookies: [new Uint8Array(100).fill(3), new Uint8Array(100).fill(4)],
  obtainedAt: 1_796_000_000,
  keyExchange: 'fresh',
}

t.test('round trip: the same session, now from the cache', async (t) => {
  t.same(decodeCacheRecord(encodeCacheRecord(session), keServer), { ...session, keyExchange: 'cached' })
})

t.test('corrupt: not JSON, another format, another server, bad keys or cookies', async (t) => {
  const record = JSON.parse(encodeCacheRecord(session))
  const corrupt = (changes: object) => decodeCacheRecord(JSON.stringify({ ...record, ...changes }), keServer)
  t.same(decodeCacheRecord('{"format":', keServer), { corrupt: 'not JSON' })
  t.match(corrupt({ format: 'x' }), { corrupt: /not a tsntpdate/ })
  t.match(decodeCacheRecord(encodeCacheRecord(session), { host: 'nts.example', port: 4461 }), { corrupt: 'for another NTS-KE server' })
  t.match(corrupt({ c2sKey: 'abcd' }), { corrupt: 'bad keys' })
  t.match(corrupt({ s2cKey: 'zz'.repeat(32) }), { corrupt: 'bad keys' })
  t.match(corrupt({ cookies: ['0'] }), { corrupt: 'bad cookies' })
  t.match(corrupt({ cookies: Array(9).fill('00') }), { corrupt: 'bad cookies' })
  t.match(corrupt({ aead: 16 }), { corrupt: 'unknown AEAD' })
  t.match(corrupt({ ntpServer: { host: '', port: 123 } }), { corrupt: 'no NTP server' })
  t.match(corrupt({ obtainedAt: 'yesterday' }), { corrupt: /no time/ })
})

t.test('a session is dropped 4 weeks after its key exchange; a clock behind it does not expire it', async (t) => {
  t.ok(isFresh(session, session.obtainedAt + SESSION_MAX_AGE_SECONDS - 1))
  t.notOk(isFresh(session, session.obtainedAt + SESSION_MAX_AGE_SECONDS))
  t.ok(isFresh(session, session.obtainedAt - 86_400 * 365))
})
