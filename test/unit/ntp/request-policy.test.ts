/** src/ntp/request-policy.ts: -p N counts usable replies, up to 2·N requests; silence and kisses stop early. */
import t from 'tap'
import { nextStep, type RequestProgress } from '../../../src/ntp/request-policy.js'

const p = (fields: Partial<RequestProgress>): RequestProgress => ({ sent: 0, waiting: 0, expected: 0, usable: 0, stopped: false, ...fields })

t.test('the first N requests go out at the gap spacing', async (t) => {
  for (let sent = 0; sent < 4; sent++) t.equal(nextStep(p({ sent, waiting: sent, expected: sent }), 4), 'send', `request ${sent + 1}`)
})

t.test('a reply that may still come in time counts: a slow server is not sent requests it will answer anyway', async (t) => {
  t.equal(nextStep(p({ sent: 4, waiting: 2, expected: 2, usable: 2 }), 4), 'wait')
  t.equal(nextStep(p({ sent: 4, waiting: 2, expected: 1, usable: 2 }), 4), 'send', 'one is overdue: probably lost')
})

t.test('loss: more requests until N usable replies, at most 2·N', async (t) => {
  t.equal(nextStep(p({ sent: 4, usable: 2 }), 4), 'send', 'two of four came back: ask again')
  t.equal(nextStep(p({ sent: 7, waiting: 1, usable: 3 }), 4), 'send')
  t.equal(nextStep(p({ sent: 8, waiting: 1, usable: 3 }), 4), 'wait', '2·N sent: wait for the last one')
  t.equal(nextStep(p({ sent: 8, usable: 3 }), 4), 'done')
})

t.test('enough: N usable replies end it once nothing is waiting', async (t) => {
  t.equal(nextStep(p({ sent: 5, waiting: 1, usable: 4 }), 4), 'wait')
  t.equal(nextStep(p({ sent: 4, usable: 4 }), 4), 'done')
  t.equal(nextStep(p({ sent: 1, usable: 1 }), 1), 'done', '-q: one answer')
})

t.test('a server silent through its first N requests gets no more: a dead server costs what it did', async (t) => {
  t.equal(nextStep(p({ sent: 4, waiting: 3 }), 4), 'wait', 'replies may still come')
  t.equal(nextStep(p({ sent: 4, waiting: 0 }), 4), 'done', 'all timed out')
  t.equal(nextStep(p({ sent: 4, waiting: 2, usable: 1 }), 4), 'send', 'one came back late: it is alive')
  t.equal(nextStep(p({ sent: 1, waiting: 0 }), 1), 'done', '-q: a lost reply is not asked again')
})

t.test('a kiss that says stop, or a server that cannot be reached, ends its requests', async (t) => {
  t.equal(nextStep(p({ sent: 1, stopped: true }), 8), 'done')
  t.equal(nextStep(p({ sent: 2, waiting: 1, stopped: true }), 8), 'wait')
})
