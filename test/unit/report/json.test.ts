import t, { type Test } from 'tap'
import type { Outcome } from '../../../src/decide/decide.js'
import type { ServerObservation } from '../../../src/ntp/observation.js'
import { buildJsonReport, type JsonReport, type RunFacts } from '../../../src/report/json.js'
import { selectServer } from '../../../src/select/select.js'
import { kiss, observed, sampleOf, server } from '../../helpers/unit.js'

const at = (offset: number, delay = 0.002) => sampleOf({ delay, offset })

function factsOf(observations: ServerObservation[], more: Partial<RunFacts> = {}): RunFacts {
  return {
    version: '9.9.9',
    unresolvable: [],
    observations,
    selection: selectServer(observations, 0n),
    outcome: undefined,
    authenticationOf: undefined,
    ntsFailures: [],
    clockChanged: false,
    maxOffset: undefined,
    exitCode: 0,
    error: undefined,
    ...more,
  }
}

const SERVER_KEYS = [
  'name',
  'address',
  'port',
  'stratum',
  'leap',
  'refid',
  'rootDelay',
  'rootDispersion',
  'rootDistance',
  'offset',
  'delay',
  'samples',
  'kisses',
  'status',
  'reason',
  'rateLimited',
  'authentication',
].sort()
const TOP_KEYS = ['version', 'servers', 'agreement', 'intersection', 'selected', 'outcome', 'action', 'method', 'offset', 'maxOffset', 'frequency', 'exitCode', 'error'].sort()

/** Through JSON text and back: what a script sees. Every key is there, none is undefined. */
function roundTrip(t: Test, report: JsonReport): JsonReport {
  const parsed = JSON.parse(JSON.stringify(report)) as JsonReport
  t.same(Object.keys(parsed).sort(), TOP_KEYS, 'top-level keys')
  for (const s of parsed.servers) t.same(Object.keys(s).sort(), SERVER_KEYS, `keys of ${s.name}:${s.port}`)
  return parsed
}

t.test('three servers, one liar: selected, truechimer, falseticker, with their numbers', async (t) => {
  const good = { ...at(0.0001, 0.004), sentAtNanos: 1_795_000_000_123_456_789n, receivedAtNanos: 1_795_000_000_127_456_789n }
  const chosenServer = server('10.0.0.3')
  const facts = factsOf([observed(server('10.0.0.1'), [at(0.0002, 0.009), good]), observed(server('10.0.0.2', 11123), [at(2.5, 0.001)]), observed(server('10.0.0.3'), [at(-0.0001, 0.003)])], {
    outcome: { kind: 'report', server: chosenServer, method: 'slew', offset: -0.0001 },
  })
  const report = roundTrip(t, buildJsonReport(facts))
  t.same(
    report.servers.map((s) => s.status),
    ['truechimer', 'falseticker', 'selected'],
  )
  t.equal(report.selected, '10.0.0.3')
  t.equal(report.action, 'query')
  t.equal(report.method, 'slew')
  t.equal(report.offset, -0.0001)
  t.equal(report.agreement, 'majority')
  t.ok(report.intersection && report.intersection.low <= report.intersection.high)
  t.equal(report.exitCode, 0)
  t.equal(report.error, null)
  t.equal(report.version, '9.9.9')

  const [a, liar, chosen] = report.servers
  t.match(a, { name: '10.0.0.1', address: '10.0.0.1', port: 123, stratum: 2, leap: 0, refid: '127.127.1.1', offset: 0.0001, delay: 0.004 })
  t.match(a!.reason, /^delay 0\.004000 s is above the selected server's 0\.003000 s$/)
  t.equal(a!.samples.length, 2, 'every sample, not only the best')
  t.match(a!.samples[1], { offset: 0.0001, delay: 0.004, stratum: 2, leap: 0, refid: '127.127.1.1' })
  t.equal(a!.samples[1]!.sentAt, 1_795_000_000.123_456_8, 'Unix seconds, to a double')
  t.ok(Math.abs(a!.samples[1]!.receivedAt - 1_795_000_000.127_456_789) < 1e-6)
  t.equal(liar!.port, 11123)
  t.match(liar!.reason, /^\+2\.500000 ±0\.005000 misses the majority's interval \[[+-]\d\.\d{6}, [+-]\d\.\d{6}\]$/)
  t.equal(chosen!.reason, 'lowest delay among the truechimers')
  t.equal(typeof chosen!.rootDistance, 'number')
})

t.test('kiss-o-death, no reply, a rejected server and names that did not resolve', async (t) => {
  const facts = factsOf(
    [
      observed(server('10.0.0.1'), [], [kiss('DENY')]),
      observed(server('10.0.0.2'), [], [kiss('RATE')]),
      observed(server('10.0.0.3'), []),
      observed(server('10.0.0.4'), [sampleOf({ delay: 0.001, offset: 3, stratum: 16 })]),
      observed(server('10.0.0.5'), [at(0.01)], [kiss('RATE')]),
    ],
    {
      unresolvable: [{ name: 'nonexistent.invalid', port: 123, reason: 'getaddrinfo ENOTFOUND nonexistent.invalid' }],
      outcome: { kind: 'report', server: server('10.0.0.5'), method: 'slew', offset: 0.01 },
    },
  )
  const report = roundTrip(t, buildJsonReport(facts))
  t.same(
    report.servers.map((s) => s.status),
    ['kod:DENY', 'kod:RATE', 'no-reply', 'rejected:bad-stratum', 'selected', 'unresolvable'],
  )
  const [deny, rate, silent, rejected, limited, unresolvable] = report.servers
  t.match(deny, { stratum: null, refid: null, offset: null, delay: null, rootDistance: null, reason: "kiss-o'-death DENY, no more requests were sent" })
  t.same(deny!.samples, [], 'a kiss is never a sample')
  t.same(deny!.kisses, ['DENY'])
  t.match(rate, { offset: null, kisses: ['RATE'], rateLimited: true })
  t.match(silent, { address: '10.0.0.3', stratum: null, refid: null, samples: [], reason: 'no reply within the timeout' })
  t.match(rejected, { stratum: 16, offset: 3, reason: 'stratum 16 is outside 1-15' })
  t.match(limited, { status: 'selected', rateLimited: true, reason: /; it sent RATE, so no more requests were sent$/ })
  t.same(unresolvable, {
    name: 'nonexistent.invalid',
    address: null,
    port: 123,
    stratum: null,
    leap: null,
    refid: null,
    rootDelay: null,
    rootDispersion: null,
    rootDistance: null,
    offset: null,
    delay: null,
    samples: [],
    kisses: [],
    status: 'unresolvable',
    reason: 'getaddrinfo ENOTFOUND nonexistent.invalid',
    rateLimited: false,
    authentication: null,
  })
  t.same(
    report.servers.map((s) => s.status.split(':')[0]),
    ['kod', 'kod', 'no-reply', 'rejected', 'selected', 'unresolvable'],
  )
})

t.test('no majority: the voters have their own status, nothing is selected', async (t) => {
  const facts = factsOf([observed(server('10.0.0.1'), [at(0)]), observed(server('10.0.0.2'), [at(2.5)])], { exitCode: 1, error: 'no majority agrees among 2 servers' })
  const report = roundTrip(t, buildJsonReport(facts))
  t.same(
    report.servers.map((s) => s.status),
    ['no-majority', 'no-majority'],
  )
  t.same(
    report.servers.map((s) => s.reason),
    Array(2).fill('no majority of the servers agrees, so none was selected'),
  )
  t.match(report, { agreement: 'no-majority', intersection: null, selected: null, outcome: null, action: 'none', method: null, offset: null, exitCode: 1, error: 'no majority agrees among 2 servers' })
})

t.test('action: what was done to the clock', async (t) => {
  const on = server('10.0.0.1')
  const observations = [observed(on, [at(0.7)])]
  const report = (outcome: Outcome | undefined, clockChanged = false) => buildJsonReport(factsOf(observations, { outcome, clockChanged }))
  const step = { server: on, method: 'step', offset: 0.7 } as const
  t.equal(report({ kind: 'report', ...step }).action, 'query')
  t.equal(report({ kind: 'check-failed', limit: 0.1, ...step }).action, 'query')
  t.equal(report({ kind: 'set', ...step }, true).action, 'step')
  t.equal(report({ kind: 'set', ...step, method: 'slew' }, true).action, 'slew')
  t.equal(report({ kind: 'set', ...step }, false).action, 'none', 'the kernel refused')
  t.equal(report({ kind: 'beyond-max-step', limit: 0.1, ...step }).action, 'none')
  t.equal(report(undefined).action, 'none')
  t.match(
    report({ kind: 'beyond-max-step', limit: 0.1, ...step }),
    { outcome: 'beyond-max-step', selected: '10.0.0.1', method: 'step', offset: 0.7 },
    'a refused set still reports what it would have done',
  )
})

t.test('a run that failed before any query: only what is known', async (t) => {
  const report = buildJsonReport({
    version: '1',
    unresolvable: [{ name: 'a.invalid', port: 11123, reason: 'no IPv6 address' }],
    observations: undefined,
    selection: undefined,
    outcome: undefined,
    authenticationOf: undefined,
    ntsFailures: [],
    clockChanged: false,
    maxOffset: 0.1,
    exitCode: 1,
    error: 'no servers can be used, exiting',
  })
  t.same(report, {
    version: '1',
    servers: [
      {
        name: 'a.invalid',
        address: null,
        port: 11123,
        stratum: null,
        leap: null,
        refid: null,
        rootDelay: null,
        rootDispersion: null,
        rootDistance: null,
        offset: null,
        delay: null,
        samples: [],
        kisses: [],
        status: 'unresolvable',
        reason: 'no IPv6 address',
        rateLimited: false,
        authentication: null,
      },
    ],
    agreement: 'none',
    intersection: null,
    selected: null,
    outcome: null,
    action: 'none',
    method: null,
    offset: null,
    maxOffset: 0.1,
    frequency: null,
    exitCode: 1,
    error: 'no servers can be used, exiting',
  })
})
