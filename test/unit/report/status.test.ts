import t from 'tap'
import { statusText } from '../../../src/report/status.js'

t.test('a status is a value, written as text only in the document', async (t) => {
  t.equal(statusText({ kind: 'selected' }), 'selected')
  t.equal(statusText({ kind: 'kod', code: 'RATE' }), 'kod:RATE')
  t.equal(statusText({ kind: 'rejected', why: 'nts' }), 'rejected:nts')
  t.equal(statusText({ kind: 'rejected', why: 'bad-stratum' }), 'rejected:bad-stratum')
})
