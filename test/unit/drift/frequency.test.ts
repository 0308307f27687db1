// drift/frequency.ts: a part of the estimate, capped per run, within the kernel's ±500 ppm.
import t from 'tap'
import { frequencyChange, GAIN, MAX_CHANGE_PPM, MAX_KERNEL_PPM, planFrequency } from '../../../src/drift/frequency.js'
import type { RunRecord } from '../../../src/drift/run-record.js'

t.test("a boot's first estimate is applied whole", async (t) => {
  t.same(frequencyChange(30, 0, false), { appliedPpm: 30, kernelPpm: 30 })
})

t.test('once learned, a clock that falls behind runs faster: the frequency goes up by GAIN of the drift', async (t) => {
  t.same(frequencyChange(20, 0, true), { appliedPpm: 20 * GAIN, kernelPpm: 20 * GAIN })
  t.same(frequencyChange(-8, 10, true), { appliedPpm: -8 * GAIN, kernelPpm: 10 - 8 * GAIN })
})

t.test('one run changes it by MAX_CHANGE_PPM at most, either way', async (t) => {
  t.same(frequencyChange(400, 0, false), { appliedPpm: MAX_CHANGE_PPM, kernelPpm: MAX_CHANGE_PPM })
  t.same(frequencyChange(-400, 5, true), { appliedPpm: -MAX_CHANGE_PPM, kernelPpm: 5 - MAX_CHANGE_PPM })
})

t.test("the total stays within the kernel's limit", async (t) => {
  t.same(frequencyChange(40, 490, false), { appliedPpm: 10, kernelPpm: MAX_KERNEL_PPM })
  t.same(frequencyChange(-40, -500, true), { appliedPpm: 0, kernelPpm: -MAX_KERNEL_PPM })
})

const record = (more: Partial<RunRecord> = {}): RunRecord => ({
  bootId: 'this-boot',
  atSeconds: 1_796_000_000,
  boottimeSeconds: 100,
  realMinusBootSeconds: 1_795_999_900,
  servers: ['192.0.2.1:123'],
  offsetSeconds: 0,
  correction: { kind: 'none', seconds: 0 },
  kernelPpm: 0,
  ...more,
})
const earlierBoot = (more: Partial<RunRecord> = {}) => record({ bootId: 'the-boot-before', atSeconds: 1_796_000_000 - 86_400, kernelPpm: 21.5, ...more })

t.test('planFrequency: an estimate moves the frequency, whole until a run of this boot has set it', async (t) => {
  const estimate = { driftPpm: 10, basisSeconds: 3600 }
  t.match(planFrequency([record()], record(), estimate, 2), { kind: 'estimate', kernelPpm: 12 })
  t.match(planFrequency([record({ appliedPpm: 2, kernelPpm: 2 })], record(), estimate, 2), { kind: 'estimate', kernelPpm: 2 + 10 * GAIN })
})

t.test("planFrequency: a boot's first set puts back the last boot's frequency, within limits", async (t) => {
  t.same(planFrequency([earlierBoot()], record(), null, 0), { kind: 'restore', fromPpm: 0, kernelPpm: 21.5 })
  t.same(planFrequency([earlierBoot({ kernelPpm: 120 })], record(), null, 0), { kind: 'restore', fromPpm: 0, kernelPpm: MAX_CHANGE_PPM }, 'by 50 ppm at most')
  t.equal(planFrequency([earlierBoot({ atSeconds: 1_796_000_000 - 8 * 86_400 })], record(), null, 0), undefined, 'not from a record 8 days old')
  t.equal(planFrequency([earlierBoot({ atSeconds: 1_796_000_000 + 60 })], record(), null, 0), undefined, 'nor from one of the future')
  t.equal(planFrequency([earlierBoot()], record({ authenticated: true }), null, 0), undefined, 'nor for -a or --nts: unauthenticated runs may have set it')
  t.equal(planFrequency([earlierBoot()], record(), null, 3), undefined, 'nor over a frequency set this boot')
  t.equal(planFrequency([earlierBoot(), record()], record(), null, 0), undefined, 'nor once this boot has a record')
  t.equal(planFrequency([earlierBoot({ kernelPpm: 0 })], record(), null, 0), undefined, 'nothing to put back')
  t.equal(planFrequency([], record(), null, 0), undefined, 'a first run ever')
})
