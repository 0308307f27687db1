import t from 'tap'
import { maxOffsetExcess } from '../../../src/decide/check-offset.js'

t.test('within the limit: no complaint, the limit itself included', async (t) => {
  t.equal(maxOffsetExcess(0.1, 0.5), undefined)
  t.equal(maxOffsetExcess(-0.5, 0.5), undefined)
  t.equal(maxOffsetExcess(0.5, 0.5), undefined)
  t.equal(maxOffsetExcess(0, 0), undefined)
})

t.test('beyond it, either sign: the message says by how much', async (t) => {
  t.equal(maxOffsetExcess(2.500123, 0.5), 'offset +2.500123 s exceeds --max-offset 0.5 s by 2.000123 s')
  t.equal(maxOffsetExcess(-1.25, 1), 'offset -1.250000 s exceeds --max-offset 1 s by 0.250000 s')
  t.equal(maxOffsetExcess(0.000001, 0), 'offset +0.000001 s exceeds --max-offset 0 s by 0.000001 s')
})
