/** host/sync-mark.ts: the bound a set leaves in the kernel, and how a later run knows that state for its own. */
import t from 'tap'
import { decodeMarkRecord, encodeMarkRecord, isOwnMark, markAfterSet, type MarkRecord } from '../../../src/host/sync-mark.js'
import { findTimeDaemon, type Visibility } from '../../../src/host/time-daemon.js'

const IN_DOCKER: Visibility = { hiddenBecause: 'in a docker container' }

const record: MarkRecord = { bootId: 'boot-1', monotonicSeconds: 1000, boottimeSeconds: 1000, maxErrorMicros: 5_000 }
const synced = (maxErrorMicros: number) => ({ status: 0x2000, maxErrorMicros })
const at = (seconds: number, slept = 0) => ({ bootId: 'boot-1', monotonicSeconds: 1000 + seconds, boottimeSeconds: 1000 + seconds + slept })

t.test('the bound: root distance after a step, plus the offset still to slew; whole µs within the kernel limit', async (t) => {
  t.same(markAfterSet(0.0050004, 'step', 3), { maxErrorMicros: 5001, estErrorMicros: 5001 })
  t.same(markAfterSet(0.005, 'slew', -0.2), { maxErrorMicros: 205_000, estErrorMicros: 205_000 })
  t.equal(markAfterSet(100, 'slew', 0).maxErrorMicros, 15_999_999, 'below NTP_PHASE_LIMIT')
  t.equal(markAfterSet(0, 'step', 0).maxErrorMicros, 1)
})

t.test("still our mark: the same boot, maxerror grown by the kernel's 500 µs/s since", async (t) => {
  t.ok(isOwnMark(synced(5_000), record, at(0)))
  t.ok(isOwnMark(synced(5_000 + 500 * 3600), record, at(3600)), 'an hour later')
  t.ok(isOwnMark(synced(5_000 + 500 * 3600), record, at(3600, 600)), 'a suspend does not grow it')
  t.notOk(isOwnMark(synced(5_000 + 500 * 3900), record, at(3600, 600)), 'so growth as if awake through the suspend is not ours')
  t.notOk(isOwnMark(synced(20_000), record, at(3600)), 'a daemon set it since')
  t.notOk(isOwnMark(synced(5_000 + 500 * 7200), record, at(3600)), 'more than the kernel could have grown it')
  t.notOk(isOwnMark(synced(5_000), record, { ...at(0), bootId: 'boot-2' }), 'another boot')
  t.notOk(isOwnMark(synced(5_000), record, at(-10)), 'a record from the future')
  t.ok(isOwnMark(synced(5_500), record, { bootId: 'boot-1', monotonicSeconds: 1001.00001, boottimeSeconds: 1001.000004 }), 'the two clocks read a few µs apart')
})

t.test("the daemon guard excuses the kernel's word only for our own mark; a daemon process is still found", async (t) => {
  const kernel = synced(5_000 + 500 * 3600)
  t.match(findTimeDaemon([], kernel, IN_DOCKER), { evidence: 'kernel' }, 'without a mark: kept by someone')
  t.equal(
    findTimeDaemon([], kernel, IN_DOCKER, () => true),
    undefined,
    'our mark: nobody',
  )
  const chronyd = { pid: 812, comm: 'chronyd', state: 'S', argv: ['/usr/sbin/chronyd'], uid: 0, executable: { path: '/usr/sbin/chronyd', userWritable: false } }
  t.match(
    findTimeDaemon([chronyd], kernel, IN_DOCKER, () => true),
    { evidence: 'process' },
  )
})

t.test('records round-trip; anything else is none', async (t) => {
  t.same(decodeMarkRecord(encodeMarkRecord(record)), record)
  t.equal(decodeMarkRecord('{'), undefined)
  t.equal(decodeMarkRecord(JSON.stringify({ ...record, format: 'x' })), undefined)
  t.equal(decodeMarkRecord(JSON.stringify({ format: 'tsntpdate-sync-mark-1', ...record, maxErrorMicros: -1 })), undefined)
})
