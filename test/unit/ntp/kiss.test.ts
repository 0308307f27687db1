/** src/ntp/kiss.ts: what a client does about each kiss code (RFC 5905 §7.4). */
import t from 'tap'
import { isKiss, kissOf } from '../../../src/ntp/kiss.js'
import { kissOfDeath, refidOf, replyTo } from '../../helpers/unit.js'

t.test('DENY and RSTR withdraw, RATE rate-limits, NTSN asks for new keys, anything else is only noted', async (t) => {
  t.same(kissOf(kissOfDeath(1n, 'DENY'), 5n), { code: 'DENY', action: 'withdraw', receivedAtNanos: 5n })
  t.same(kissOf(kissOfDeath(1n, 'RSTR'), 5n).action, 'withdraw')
  t.same(kissOf(kissOfDeath(1n, 'RATE'), 5n).action, 'rate-limit')
  t.same(kissOf(kissOfDeath(1n, 'NTSN'), 5n).action, 're-key', 'the NTS NAK: cookies no good, new keys needed (RFC 8915 §5.7)')
  for (const code of ['INIT', 'STEP', 'ZZZZ', 'rate', 'constructor', 'toString']) {
    t.equal(kissOf(kissOfDeath(1n, code.slice(0, 4)), 0n).action, 'note', code)
  }
  t.equal(kissOf(replyTo(1n, { stratum: 0, referenceId: refidOf('NKE') }), 0n).code, 'NKE', 'NUL padding dropped')
})

t.test('a kiss is any stratum-0 reply, and nothing else', async (t) => {
  t.ok(isKiss(kissOfDeath(1n, 'RATE')))
  t.ok(isKiss(replyTo(1n, { stratum: 0 })))
  t.notOk(isKiss(replyTo(1n)))
  t.notOk(isKiss(replyTo(1n, { stratum: 16 })))
})
