import t from 'tap'
import { decide, STEP_THRESHOLD_SECONDS, type DecideOptions } from '../../../src/decide/decide.js'

const auto: DecideOptions = { readOnly: false, method: 'auto', maxStepSeconds: undefined }

t.test('auto: step at |offset| >= 0.5 s, slew below', async (t) => {
  t.equal(STEP_THRESHOLD_SECONDS, 0.5)
  t.same(decide(0.5, auto), { action: 'set', method: 'step', offset: 0.5 })
  t.same(decide(-0.5, auto), { action: 'set', method: 'step', offset: -0.5 })
  t.same(decide(120, auto), { action: 'set', method: 'step', offset: 120 })
  t.same(decide(0.499999, auto), { action: 'set', method: 'slew', offset: 0.499999 })
  t.same(decide(-0.499999, auto), { action: 'set', method: 'slew', offset: -0.499999 })
  t.same(decide(0, auto), { action: 'set', method: 'slew', offset: 0 })
})

t.test('-b forces a step and -B a slew, whatever the offset', async (t) => {
  t.same(decide(0.000001, { ...auto, method: 'step' }), { action: 'set', method: 'step', offset: 0.000001 })
  t.same(decide(-30, { ...auto, method: 'slew' }), { action: 'set', method: 'slew', offset: -30 })
})

t.test('read-only (-q, -d) reports the method it would use', async (t) => {
  const readOnly = { ...auto, readOnly: true }
  t.same(decide(2.5, readOnly), { action: 'report', method: 'step', offset: 2.5 })
  t.same(decide(0.1, readOnly), { action: 'report', method: 'slew', offset: 0.1 })
  t.same(decide(0.1, { ...readOnly, method: 'step' }), { action: 'report', method: 'step', offset: 0.1 })
  t.same(decide(100, { ...readOnly, maxStepSeconds: 1 }), { action: 'report', method: 'step', offset: 100 }, 'the limit does not turn a report into a refusal')
})

t.test('--max-step refuses only offsets strictly beyond the limit', async (t) => {
  const limited = { ...auto, maxStepSeconds: 1 }
  t.same(decide(1, limited), { action: 'set', method: 'step', offset: 1 }, 'equal to the limit: allowed')
  t.same(decide(-1, limited), { action: 'set', method: 'step', offset: -1 }, 'equal to the limit, negative: allowed')
  t.same(decide(1.000001, limited), { action: 'refuse', method: 'step', offset: 1.000001, limit: 1 })
  t.same(decide(-1.5, limited), { action: 'refuse', method: 'step', offset: -1.5, limit: 1 })
  t.same(decide(0.3, { ...auto, maxStepSeconds: 0.2 }), { action: 'refuse', method: 'slew', offset: 0.3, limit: 0.2 }, 'slews are limited too')
})
