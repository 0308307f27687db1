/** src/ntp/offset-filter.ts: the lowest-delay sample's offset, unless all samples' bounds exclude it. */
import t from 'tap'
import fc from 'fast-check'
import { estimateOffset } from '../../../src/ntp/offset-filter.js'
import { PHI } from '../../../src/ntp/sample.js'
import { near, sampleOf } from '../../helpers/unit.js'
import { holds } from '../../helpers/property.js'

const ms = (n: number) => n / 1000

t.test('one sample: its own offset', async (t) => {
  const only = sampleOf({ delay: ms(8), offset: ms(3) })
  t.same(estimateOffset(only, [only]), { offset: ms(3) })
})

t.test('the lowest-delay offset stands while every sample allows it', async (t) => {
  const best = sampleOf({ delay: ms(8), offset: ms(3) }) // [-1, 7] ms
  const other = sampleOf({ delay: ms(12), offset: ms(-2) }) // [-8, 4] ms
  t.same(estimateOffset(best, [other, best]), { offset: ms(3) })
})

t.test('excluded by the common bounds: the middle of them', async (t) => {
  const best = sampleOf({ delay: ms(8), offset: ms(3.5) }) // [-0.5, 7.5] ms
  const other = sampleOf({ delay: ms(10), offset: ms(-4) }) // [-9, 1] ms
  const estimate = estimateOffset(best, [best, other])
  t.ok(near(estimate.offset, ms(0.25)), `offset ${estimate.offset}, the middle of [-0.5, 1] ms`)
  t.ok(estimate.overruledBy && near(estimate.overruledBy.bounds.low, ms(-0.5)) && near(estimate.overruledBy.bounds.high, ms(1)), 'the bounds are reported')
  t.equal(estimate.overruledBy?.samples, 2)
})

t.test('bounds that share no point cannot overrule', async (t) => {
  const best = sampleOf({ delay: ms(2), offset: ms(10) }) // [9, 11] ms
  const other = sampleOf({ delay: ms(2), offset: ms(-10) }) // [-11, -9] ms
  t.same(estimateOffset(best, [best, other]), { offset: ms(10) })
})

t.test("each sample's dispersion and PHI per second apart widen its bounds", async (t) => {
  const best = sampleOf({ delay: ms(2), offset: ms(1.5), receivedAtNanos: 0n }) // [0.5, 2.5] ms
  const near0 = sampleOf({ delay: ms(2), offset: ms(-0.2), receivedAtNanos: 0n }) // [-1.2, 0.8] ms: 1.5 is out
  t.ok(estimateOffset(best, [best, near0]).overruledBy, 'taken together at once: overruled')
  const withPrecision = sampleOf({ delay: ms(2), offset: ms(-0.2), dispersion: ms(0.8), receivedAtNanos: 0n })
  t.notOk(estimateOffset(best, [best, withPrecision]).overruledBy, 'its dispersion of 0.8 ms lets 1.5 ms in')
  const later = sampleOf({ delay: ms(2), offset: ms(-0.2), receivedAtNanos: 100_000_000_000n }) // 100 s later: ±1.5 ms more
  t.ok(near(PHI * 100, ms(1.5)))
  t.notOk(estimateOffset(best, [best, later]).overruledBy, '100 s apart, the clocks may have drifted 1.5 ms: not overruled')
})

/** Samples as real exchanges make them: θ = θ* + (out − back)/2, δ = out + back, with out, back ≥ 0. */
const exchanges = fc.record({
  trueOffset: fc.double({ min: -1, max: 1, noNaN: true }),
  paths: fc.array(fc.tuple(fc.double({ min: 0, max: 0.02, noNaN: true }), fc.double({ min: 0, max: 0.02, noNaN: true })), { minLength: 1, maxLength: 8 }),
})

t.test('property: with true bounds, the estimate errs by no more than the lowest-delay sample can', async (t) => {
  holds(
    t,
    fc.property(exchanges, ({ trueOffset, paths }) => {
      const samples = paths.map(([out, back]) => sampleOf({ offset: trueOffset + (out - back) / 2, delay: out + back }))
      const best = samples.reduce((a, b) => (b.delay < a.delay ? b : a))
      const { offset, overruledBy } = estimateOffset(best, samples)
      const slack = 1e-12 // float rounding of θ* + (out − back)/2
      if (Math.abs(offset - trueOffset) > best.delay / 2 + slack) return false
      if (!overruledBy) return offset === best.offset
      const { low, high } = overruledBy.bounds
      return low - slack <= trueOffset && trueOffset <= high + slack && Math.abs(offset - trueOffset) <= (high - low) / 2 + slack
    }),
    3000,
  )
})
