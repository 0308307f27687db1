import t from 'tap'
import { decide, STEP_THRESHOLD_SECONDS, type DecideFacts, type DecideOptions } from '../../../src/decide/decide.js'
import type { FrequencyPlan } from '../../../src/drift/frequency.js'
import type { RunningDaemon } from '../../../src/host/time-daemon.js'
import { selectServer } from '../../../src/select/select.js'
import { observed, sampleOf, server } from '../../helpers/unit.js'

const auto: DecideOptions = { readOnly: false, method: 'auto', maxStepSeconds: undefined, maxOffsetSeconds: undefined, keyId: undefined }
const none = { daemon: undefined }
const a = server('10.0.0.1')
const chosenAt = (offset: number) => selectServer([observed(a, [sampleOf({ delay: 0.001, offset })])], 0n)
const run = (offset: number, options: Partial<DecideOptions> = {}, facts: DecideFacts = none) => decide(chosenAt(offset), { ...auto, ...options }, facts)

t.test('auto: step at |offset| >= 0.5 s, slew below', async (t) => {
  t.equal(STEP_THRESHOLD_SECONDS, 0.5)
  t.same(run(0.5), { kind: 'set', server: a, method: 'step', offset: 0.5 })
  t.same(run(-0.5), { kind: 'set', server: a, method: 'step', offset: -0.5 })
  t.same(run(120), { kind: 'set', server: a, method: 'step', offset: 120 })
  t.same(run(0.499999), { kind: 'set', server: a, method: 'slew', offset: 0.499999 })
  t.same(run(-0.499999), { kind: 'set', server: a, method: 'slew', offset: -0.499999 })
  t.same(run(0), { kind: 'set', server: a, method: 'slew', offset: 0 })
})

t.test('-b forces a step and -B a slew, whatever the offset', async (t) => {
  t.same(run(0.000001, { method: 'step' }), { kind: 'set', server: a, method: 'step', offset: 0.000001 })
  t.same(run(-30, { method: 'slew' }), { kind: 'set', server: a, method: 'slew', offset: -30 })
})

t.test('read-only (-q, -d) reports the method it would use; --max-step does not turn it into a refusal', async (t) => {
  t.same(run(2.5, { readOnly: true }), { kind: 'report', server: a, method: 'step', offset: 2.5 })
  t.same(run(0.1, { readOnly: true }), { kind: 'report', server: a, method: 'slew', offset: 0.1 })
  t.same(run(100, { readOnly: true, maxStepSeconds: 1 }), { kind: 'report', server: a, method: 'step', offset: 100 })
})

t.test('--max-offset: within the limit (itself included) a report, beyond it, either sign, a failed check', async (t) => {
  t.same(run(0.5, { readOnly: true, maxOffsetSeconds: 0.5 }).kind, 'report')
  t.same(run(-1.25, { readOnly: true, maxOffsetSeconds: 1 }), { kind: 'check-failed', limit: 1, server: a, method: 'step', offset: -1.25 })
  t.same(run(0.000001, { readOnly: true, maxOffsetSeconds: 0 }).kind, 'check-failed')
})

t.test('--max-step refuses only offsets strictly beyond the limit, slews too', async (t) => {
  t.same(run(1, { maxStepSeconds: 1 }).kind, 'set', 'equal to the limit: allowed')
  t.same(run(-1, { maxStepSeconds: 1 }).kind, 'set', 'equal to the limit, negative: allowed')
  t.same(run(1.000001, { maxStepSeconds: 1 }), { kind: 'beyond-max-step', limit: 1, server: a, method: 'step', offset: 1.000001 })
  t.same(run(0.3, { maxStepSeconds: 0.2 }), { kind: 'beyond-max-step', limit: 0.2, server: a, method: 'slew', offset: 0.3 })
})

t.test('a time daemon that keeps the clock stops a set, after the --max-step check (exit 4 is news, exit 5 is not)', async (t) => {
  const daemon: RunningDaemon = { evidence: 'kernel', kernel: { status: 0x2001, maxErrorMicros: 10 }, description: 'the kernel says so' }
  t.same(run(0.01, {}, { daemon }), { kind: 'daemon-keeps-clock', daemon, server: a, method: 'slew', offset: 0.01 })
  t.equal(run(5, { maxStepSeconds: 1 }, { daemon }).kind, 'beyond-max-step')
  t.equal(run(0.01, { readOnly: true }, { daemon }).kind, 'report', 'a query is never stopped by it')
})

t.test('no server, or no majority: nothing to act on', async (t) => {
  t.same(decide(selectServer([observed(a, [])], 0n), auto, none), { kind: 'no-server', keyId: undefined })
  t.same(decide(selectServer([observed(a, [])], 0n), { ...auto, keyId: 7 }, none), { kind: 'no-server', keyId: 7 }, '-a is remembered for the words')
  const split = selectServer([observed(a, [sampleOf({ delay: 0.001, offset: 0 })]), observed(server('10.0.0.2'), [sampleOf({ delay: 0.001, offset: 3 })])], 0n)
  const outcome = decide(split, auto, none)
  t.equal(outcome.kind, 'no-majority')
  t.equal(outcome.kind === 'no-majority' ? outcome.voters.length : 0, 2)
})

t.test('the frequency is part of the set: carried by the outcome, never past a daemon, not even with --force', async (t) => {
  const frequency: FrequencyPlan = { kind: 'estimate', fromPpm: 4, kernelPpm: 34, driftPpm: 30, basisSeconds: 3600 }
  const daemon: RunningDaemon = { evidence: 'process', processes: [{ name: 'chronyd', pid: 7 }], description: 'chronyd (pid 7)' }
  t.match(run(0.01, {}, { daemon: undefined, frequency }), { kind: 'set', frequency })
  t.equal(run(0.01, { force: true }, { daemon, frequency }).kind, 'set', '--force sets the clock past a daemon')
  t.notOk('frequency' in run(0.01, { force: true }, { daemon, frequency }), 'but not its frequency')
  t.equal(run(0.01, {}, { daemon, frequency }).kind, 'daemon-keeps-clock', 'without --force: refused')
  t.notOk('frequency' in run(0.01, { readOnly: true }, { daemon: undefined, frequency }), 'a report sets nothing')
})
