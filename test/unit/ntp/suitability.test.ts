import t from 'tap'
import { LeapIndicator } from '../../../src/ntp/packet.js'
import { checkSuitability, MAX_STRATUM } from '../../../src/ntp/suitability.js'
import { kissOfDeath, refidOf, replyTo } from '../../helpers-unit.js'

t.test('Kiss-o\'-Death: stratum 0 with the ASCII code from the refid', async (t) => {
  for (const code of ['RATE', 'DENY', 'RSTR', 'INIT']) {
    t.same(checkSuitability(kissOfDeath(1n, code)), { kind: 'kiss-o-death', code }, code)
  }
  t.same(checkSuitability(replyTo(1n, { stratum: 0, referenceId: refidOf('NKE') })), { kind: 'kiss-o-death', code: 'NKE' }, 'NUL padding dropped')
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
