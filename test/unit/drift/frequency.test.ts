// drift/frequency.ts: a part of the estimate, capped per run, within the kernel's ±500 ppm.
import t from 'tap'
import { frequencyChange, GAIN, MAX_CHANGE_PPM, MAX_KERNEL_PPM } from '../../../src/drift/frequency.js'

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
