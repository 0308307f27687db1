/** drift/estimate.ts and drift/run-record.ts: the rate from two runs, the corrections between, and when there is none. */
import t from 'tap'
import { estimateDrift, MAX_BASIS_SECONDS } from '../../../src/drift/estimate.js'
import { decodeRecords, encodeRecords, MAX_RECORDS, type RunRecord } from '../../../src/drift/run-record.js'

const run = (more: Partial<RunRecord> = {}): RunRecord => ({
  atSeconds: 1_796_000_000,
  boottimeSeconds: 1000,
  realMinusBootSeconds: 1_795_999_000,
  servers: ['192.0.2.1:123'],
  offsetSeconds: 0,
  correction: { kind: 'none', seconds: 0 },
  kernelPpm: 0,
  ...more,
})
const later = (seconds: number, more: Partial<RunRecord> = {}) => run({ boottimeSeconds: 1000 + seconds, atSeconds: 1_796_000_000 + seconds, ...more })
const ERROR = 20e-6

t.test('a clock that falls behind: the offset grows by the rate', async (t) => {
  const e = estimateDrift(run(), later(3600, { offsetSeconds: 0.108 }), ERROR)
  t.match(e, { kind: 'estimate', basisSeconds: 3600 })
  if (e.kind === 'estimate') t.ok(Math.abs(e.driftPpm - 30) < 1e-9, `30 ppm: ${e.driftPpm}`)
  const ahead = estimateDrift(run(), later(100, { offsetSeconds: -0.002 }), ERROR)
  if (ahead.kind === 'estimate') t.ok(Math.abs(ahead.driftPpm + 20) < 1e-9, `-20 ppm (a fast clock): ${ahead.driftPpm}`)
})

t.test('the correction in between counts: a step at once, a slew at 500 ppm', async (t) => {
  // measured +0.2 s and stepped by it: an hour later +0.108 s again means 30 ppm
  const stepped = estimateDrift(run({ offsetSeconds: 0.2, correction: { kind: 'step', seconds: 0.2 } }), later(3600, { offsetSeconds: 0.108 }), ERROR)
  if (stepped.kind === 'estimate') t.ok(Math.abs(stepped.driftPpm - 30) < 1e-9, `after a step: ${stepped.driftPpm}`)
  // a 0.2 s slew done within 400 s; 10 s later only 5 ms of it
  const slewed = estimateDrift(run({ offsetSeconds: 0.2, correction: { kind: 'slew', seconds: 0.2 } }), later(3600, { offsetSeconds: 0.108 }), ERROR)
  if (slewed.kind === 'estimate') t.ok(Math.abs(slewed.driftPpm - 30) < 1e-9, `after a finished slew: ${slewed.driftPpm}`)
  const midSlew = estimateDrift(run({ offsetSeconds: 0.2, correction: { kind: 'slew', seconds: 0.2 } }), later(10, { offsetSeconds: 0.1953 }), ERROR)
  if (midSlew.kind === 'estimate') t.ok(Math.abs(midSlew.driftPpm - 30) < 1e-6, `during the slew: ${midSlew.driftPpm}`)
})

t.test('no estimate: first run, another boot, too old, no common server, stepped by someone, frequency changed, too short', async (t) => {
  t.match(estimateDrift(undefined, run(), ERROR), { kind: 'none', reason: 'no earlier run recorded' })
  t.match(estimateDrift(run(), run({ boottimeSeconds: 10 }), ERROR), { reason: /another boot/ })
  t.match(estimateDrift(run(), later(MAX_BASIS_SECONDS + 1), ERROR), { reason: /days old/ })
  t.match(estimateDrift(run(), later(3600, { servers: ['198.51.100.7:123'] }), ERROR), { reason: /no server in common/ })
  t.match(estimateDrift(run(), later(3600, { realMinusBootSeconds: 1_795_999_000.5 }), ERROR), { reason: /stepped in between/ })
  t.match(estimateDrift(run(), later(3600, { kernelPpm: 12 }), ERROR), { reason: /kernel frequency was changed/ })
  t.match(estimateDrift(run(), later(0.2), ERROR), { reason: /too short a basis/ }, '20 µs over 0.2 s: ±100 ppm')
})

t.test('an estimate beyond what a kernel can correct (±500 ppm) is none, said once (issue 22, point 11)', async (t) => {
  const absurd = estimateDrift(run(), later(3600, { offsetSeconds: 0 }), ERROR)
  t.match(absurd, { kind: 'estimate' }, 'a sane pair estimates')
  const claimedStep = estimateDrift(run({ correction: { kind: 'step', seconds: 1e9 } }), later(3600), ERROR)
  t.match(claimedStep, { kind: 'none', reason: /^2\.78e\+11 ppm is beyond what a kernel can correct \(±500 ppm\): not a drift/ }, 'a record claiming a 1e9 s step')
  t.match(estimateDrift(run(), later(3600, { offsetSeconds: 1.8001 }), ERROR), { kind: 'none', reason: /^500\.0 ppm is beyond/ }, 'just over 500 ppm')
  t.match(estimateDrift(run(), later(3600, { offsetSeconds: 1.7999 }), ERROR), { kind: 'estimate' }, 'just under')
  t.match(estimateDrift(run({ offsetSeconds: Number.NaN }), later(3600), ERROR), { kind: 'none' }, 'not a number: none')
  t.match(estimateDrift(run(), later(0.2, { offsetSeconds: 0.01 }), ERROR), { kind: 'none', reason: /too short a basis/ }, 'a short basis says so first, not "beyond what a kernel can correct"')
})

t.test('records: round trip, the last few kept; anything else is corrupt', async (t) => {
  const many = Array.from({ length: MAX_RECORDS + 3 }, (_, i) => later(i))
  const decoded = decodeRecords(encodeRecords(many))
  t.same(decoded, many.slice(-MAX_RECORDS))
  t.same(decodeRecords('{'), { corrupt: 'not JSON' })
  t.match(decodeRecords(JSON.stringify({ format: 'x', runs: [] })), { corrupt: /not a tsntpdate drift file/ })
  t.match(decodeRecords(JSON.stringify({ format: 'tsntpdate-drift-1', runs: [{ atSeconds: 'now' }] })), { corrupt: /malformed/ })
})

t.test('another boot: by the boot id where both records have one, else by boot time', async (t) => {
  t.match(estimateDrift(run({ bootId: 'a' }), later(3600, { bootId: 'b', offsetSeconds: 0.108 }), ERROR), { reason: /another boot/ })
  t.match(estimateDrift(run({ bootId: 'a' }), later(3600, { bootId: 'a', offsetSeconds: 0.108 }), ERROR), { kind: 'estimate' })
  t.match(estimateDrift(run(), later(3600, { bootId: 'b', offsetSeconds: 0.108 }), ERROR), { kind: 'estimate' }, 'an older record without one')
})

t.test('an authenticated run learns only from an authenticated record', async (t) => {
  t.match(estimateDrift(run(), later(3600, { authenticated: true, offsetSeconds: 0.108 }), ERROR), { reason: /not authenticated/ })
  t.match(estimateDrift(run({ authenticated: true }), later(3600, { authenticated: true, offsetSeconds: 0.108 }), ERROR), { kind: 'estimate' })
  t.match(estimateDrift(run({ authenticated: true }), later(3600, { offsetSeconds: 0.108 }), ERROR), { kind: 'estimate' }, 'the other way is fine')
})
