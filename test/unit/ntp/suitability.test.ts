import t from 'tap'
import { LeapIndicator } from '../../../src/ntp/packet.js'
import { checkRootDistance, checkSuitability, MAX_REFERENCE_AGE_SECONDS, MAX_ROOT_DISTANCE_SECONDS, MAX_STRATUM } from '../../../src/ntp/suitability.js'
import { refidOf, replyTo } from '../../helpers/unit.js'

t.test('stratum 0 never reaches here as a kiss (ntp/classify.ts takes it); if it did, it is out of range', async (t) => {
  t.same(checkSuitability(replyTo(1n, { stratum: 0 })), { kind: 'bad-stratum', stratum: 0 })
})

t.test('stratum above 15', async (t) => {
  t.equal(MAX_STRATUM, 15)
  t.same(checkSuitability(replyTo(1n, { stratum: 16 })), { kind: 'bad-stratum', stratum: 16 })
  t.same(checkSuitability(replyTo(1n, { stratum: 255 })), { kind: 'bad-stratum', stratum: 255 })
  t.same(
    checkSuitability(replyTo(1n, { stratum: 16, leap: LeapIndicator.Unsynchronized })),
    { kind: 'bad-stratum', stratum: 16 },
    'an unsynchronized chronyd (stratum 16, leap 3) is reported by its stratum',
  )
})

t.test('leap indicator 3', async (t) => {
  t.same(checkSuitability(replyTo(1n, { leap: LeapIndicator.Unsynchronized })), { kind: 'unsynchronized' })
})

t.test('fine servers', async (t) => {
  t.equal(checkSuitability(replyTo(1n)), null, 'stratum 2, no leap')
  t.equal(checkSuitability(replyTo(1n, { stratum: 1, referenceId: refidOf('GPS') })), null, 'stratum 1')
  t.equal(checkSuitability(replyTo(1n, { stratum: 15 })), null, 'stratum 15')
  t.equal(checkSuitability(replyTo(1n, { leap: LeapIndicator.InsertSecond })), null, 'leap second pending (insert)')
  t.equal(checkSuitability(replyTo(1n, { leap: LeapIndicator.DeleteSecond })), null, 'leap second pending (delete)')
})

t.test("the server's own timestamps must be consistent and its reference fresh", async (t) => {
  const good = replyTo(1n)
  const second = 1n << 32n
  t.same(checkSuitability({ ...good, transmitTime: good.receiveTime - 1n }), { kind: 'transmit-before-receive' })
  t.equal(checkSuitability({ ...good, transmitTime: good.receiveTime }), null, 'transmit = receive is fine')
  t.same(checkSuitability({ ...good, referenceTime: 0n }), { kind: 'no-reference-time' })
  const future = checkSuitability({ ...good, referenceTime: good.transmitTime + 2n * second })
  t.equal(future?.kind, 'reference-in-future')
  const day = BigInt(MAX_REFERENCE_AGE_SECONDS) * second
  t.equal(checkSuitability({ ...good, referenceTime: good.transmitTime - day }), null, 'exactly a day old is fine')
  const stale = checkSuitability({ ...good, referenceTime: good.transmitTime - day - second })
  t.equal(stale?.kind, 'stale-reference')
})

t.test('root distance above 1.5 s is too far', async (t) => {
  t.equal(MAX_ROOT_DISTANCE_SECONDS, 1.5)
  t.equal(checkRootDistance(1.5), null)
  t.same(checkRootDistance(1.6), { kind: 'root-distance', seconds: 1.6, limit: 1.5 })
})
