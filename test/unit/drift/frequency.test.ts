// drift/frequency.ts: a part of the estimate, capped per run, within the kernel's ±500 ppm.
import t from 'tap'
import { frequencyChange, GAIN, MAX_CHANGE_PPM, MAX_KERNEL_PPM } from '../../../src/drift/frequency.js'

t.test('a clock that falls behind runs faster: the frequency goes up by GAIN of the drift', async (t) => {
  t.same(frequencyChange(20, 0), { appliedPpm: 20 * GAIN, kernelPpm: 20 * GAIN })
  t.same(frequencyChange(-8, 10), { appliedPpm: -8 * GAIN, kernelPpm: 10 - 8 * GAIN })
})

t.test('one run changes it by MAX_CHANGE_PPM at most, either way', async (t) => {
  t.same(frequencyChange(400, 0), { appliedPpm: MAX_CHANGE_PPM, kernelPpm: MAX_CHANGE_PPM })
  t.same(frequencyChange(-400, 5), { appliedPpm: -MAX_CHANGE_PPM, kernelPpm: 5 - MAX_CHANGE_PPM })
})

t.test("the total stays within the kernel's limit", async (t) => {
  t.same(frequencyChange(40, 490), { appliedPpm: 10, kernelPpm: MAX_KERNEL_PPM })
  t.same(frequencyChange(-40, -500), { appliedPpm: 0, kernelPpm: -MAX_KERNEL_PPM })
})
