import t from 'tap'
import { LeapIndicator } from '../../../src/ntp/packet.js'
import { MINDISP, PHI } from '../../../src/ntp/sample.js'
import { selectServer } from '../../../src/select/select.js'
import { candidateOf, type Selection } from '../../../src/select/verdict.js'
import { kiss, observed, sampleOf, server } from '../../helpers/unit.js'

const NOW = 0n
const a = server('10.0.0.1')
const b = server('10.0.0.2')
const c = server('10.0.0.3')
const d = server('10.0.0.4')
const kinds = (s: Selection) => s.verdicts.map((v) => v.kind)
const chosenOf = (s: Selection) => (s.kind === 'chosen' ? s.chosen : undefined)
const at = (offset: number, delay = 0.002) => sampleOf({ delay, offset })

t.test('a server is represented by its lowest-delay sample', async (t) => {
  const samples = [sampleOf({ delay: 0.03 }), sampleOf({ delay: 0.01 }), sampleOf({ delay: 0.02 })]
  const selection = selectServer([observed(a, samples)], NOW)
  t.equal(selection.kind, 'chosen')
  t.equal(chosenOf(selection)?.best, samples[1])
  t.same(kinds(selection), ['selected'])
})

t.test("its offset: the lowest-delay sample's, unless the usable samples' bounds exclude it; the vote uses that offset", async (t) => {
  const best = sampleOf({ delay: 0.008, offset: 0.0035 }) // [-0.5, 7.5] ms
  const other = sampleOf({ delay: 0.01, offset: -0.004 }) // [-9, 1] ms
  const unusable = sampleOf({ delay: 0.009, offset: 0.1, stratum: 16 }) // its bounds do not count
  const chosen = chosenOf(selectServer([observed(a, [best, other, unusable])], NOW))
  t.equal(chosen?.best, best, 'the lowest-delay usable sample still represents the server')
  t.ok(Math.abs((chosen?.estimate.offset ?? NaN) - 0.00025) < 1e-12, 'the middle of [-0.5, 1] ms')
  t.equal(chosen?.estimate.overruledBy?.samples, 2, 'two usable samples')
  t.equal(chosen?.usableSamples, 2)
})

t.test('the server with the lowest delay wins, the others agree', async (t) => {
  const best = sampleOf({ delay: 0.01 })
  const selection = selectServer([observed(a, [sampleOf({ delay: 0.02 })]), observed(b, [sampleOf({ delay: 0.05 }), best]), observed(c, [sampleOf({ delay: 0.015 })])], NOW)
  t.same(
    selection.verdicts.map((v) => v.server),
    [a, b, c],
    'verdicts keep the order of the observations',
  )
  t.equal(chosenOf(selection)?.server, b)
  t.same(kinds(selection), ['agreed', 'selected', 'agreed'])
  const agreed = selection.verdicts[0]
  t.equal(agreed?.kind === 'agreed' ? agreed.selected.server : undefined, b, 'an agreeing server knows who beat it')
})

t.test('equal delay: the lower stratum wins, whatever the order; equal both: the first listed', async (t) => {
  const stratum3 = observed(a, [sampleOf({ delay: 0.01, stratum: 3 })])
  const stratum2 = observed(b, [sampleOf({ delay: 0.01, stratum: 2 })])
  t.equal(chosenOf(selectServer([stratum3, stratum2], NOW))?.server, b)
  t.equal(chosenOf(selectServer([stratum2, stratum3], NOW))?.server, b)
  const twin = observed(c, [sampleOf({ delay: 0.01, stratum: 2 })])
  t.equal(chosenOf(selectServer([twin, stratum2], NOW))?.server, c)
})

t.test('a server without replies or kisses', async (t) => {
  const selection = selectServer([observed(a, [])], NOW)
  t.same(selection, { kind: 'none', verdicts: [{ kind: 'no-reply', server: a }] })
})

t.test('a kiss is never a sample: a server with only kisses is kissed, with the last code', async (t) => {
  const rate = selectServer([observed(a, [], [kiss('RATE')])], NOW)
  t.same(rate.verdicts[0], { kind: 'kissed', server: a, kiss: kiss('RATE'), replies: [] })
  const unknown = selectServer([observed(a, [], [kiss('ZZZZ')])], NOW)
  t.same(unknown.verdicts[0]?.kind, 'kissed')
})

t.test('a server with no usable reply is rejected with the fault of its last reply', async (t) => {
  const stratum16 = sampleOf({ delay: 0.02, stratum: 16 })
  const rejected = selectServer([observed(a, [stratum16], [kiss('XYZ')])], NOW)
  t.same(rejected.verdicts[0], { kind: 'rejected', server: a, fault: { kind: 'bad-stratum', stratum: 16 }, last: stratum16, rootDistance: stratum16.rootDistance, rateLimited: false })
  const unsync = selectServer([observed(a, [sampleOf({ delay: 0.01, packet: { leap: LeapIndicator.Unsynchronized } })])], NOW)
  t.same(unsync.verdicts[0]?.kind === 'rejected' && unsync.verdicts[0].fault, { kind: 'unsynchronized' })
})

t.test('unusable samples are skipped even when their delay is lowest', async (t) => {
  const good = sampleOf({ delay: 0.03 })
  const selection = selectServer([observed(a, [sampleOf({ delay: 0.05 }), good, sampleOf({ delay: 0.002, stratum: 16 })])], NOW)
  t.equal(chosenOf(selection)?.best, good)
})

t.test('a rejected, kissed or silent server never wins over a usable one', async (t) => {
  const selection = selectServer([observed(a, [], [kiss('RATE')]), observed(b, []), observed(c, [sampleOf({ delay: 0.5 })]), observed(d, [sampleOf({ delay: 0.001, stratum: 16 })])], NOW)
  t.equal(chosenOf(selection)?.server, c)
  t.same(kinds(selection), ['kissed', 'no-reply', 'selected', 'rejected'])
})

t.test('no observations, no choice', async (t) => {
  t.same(selectServer([], NOW), { kind: 'none', verdicts: [] })
})

t.test('the vote: a lone liar among agreeing servers is a falseticker, even with the lowest delay', async (t) => {
  const selection = selectServer([observed(a, [at(0.0001, 0.004)]), observed(b, [at(2.5, 0.001)]), observed(c, [at(-0.0001, 0.003)])], NOW)
  t.same(kinds(selection), ['agreed', 'falseticker', 'selected'])
  t.equal(selection.kind === 'chosen' && selection.intersection.low < selection.intersection.high, true)
})

t.test('the vote: two agreeing liars outvote one good server (majority rule)', async (t) => {
  const selection = selectServer([observed(a, [at(0, 0.001)]), observed(b, [at(2.5, 0.002)]), observed(c, [at(2.5001, 0.003)])], NOW)
  t.same(kinds(selection), ['falseticker', 'selected', 'agreed'])
  t.equal(chosenOf(selection)?.estimate.offset, 2.5)
})

t.test('the vote: servers that disagree leave no majority; the voters are undecided, nobody is called a liar', async (t) => {
  const two = selectServer([observed(a, [at(0)]), observed(b, [at(2.5)])], NOW)
  t.equal(two.kind, 'no-majority')
  t.same(kinds(two), ['undecided', 'undecided'])
  t.equal(two.kind === 'no-majority' ? two.voters.length : 0, 2)
  const split = selectServer(
    [a, b, c, d].map((s, i) => observed(s, [at(i < 2 ? 0 : 1)])),
    NOW,
  )
  t.equal(split.kind, 'no-majority', 'two against two')
})

t.test('three LAN servers within ±0.4 ms that claim zero root delay and dispersion agree (MINDISP)', async (t) => {
  const lan = (offset: number) => sampleOf({ delay: 0.00005, offset, packet: { rootDelay: 0, rootDispersion: 0 } })
  const selection = selectServer([observed(a, [lan(-0.0004)]), observed(b, [lan(0)]), observed(c, [lan(0.0004)])], NOW)
  t.equal(selection.kind, 'chosen')
  t.same(kinds(selection), ['selected', 'agreed', 'agreed'])
  const candidate = chosenOf(selection)
  t.ok((candidate?.rootDistance ?? 0) >= MINDISP / 2, 'each interval is at least MINDISP/2 wide on each side')
})

t.test('root_dist: max(MINDISP, root delay + delay)/2 + root dispersion + dispersion + PHI·age + jitter (RFC 5905 A.5.5.2)', async (t) => {
  const samples = [0.001, 0.003, -0.002].map((offset, i) =>
    sampleOf({ delay: 0.004 + i * 0.001, offset, dispersion: 0.00002, receivedAtNanos: 1_000_000_000n, packet: { rootDelay: 0.02, rootDispersion: 0.005 } }),
  )
  const candidate = chosenOf(selectServer([observed(a, samples)], 11_000_000_000n))
  const jitter = Math.sqrt(((0.003 - 0.001) ** 2 + (-0.002 - 0.001) ** 2) / 2)
  t.ok(Math.abs((candidate?.jitter ?? NaN) - jitter) < 1e-12, 'jitter: RMS of the offsets around the chosen one, over n − 1')
  const expected = (0.02 + 0.004) / 2 + 0.005 + 0.00002 + PHI * 10 + jitter
  t.ok(Math.abs((candidate?.rootDistance ?? NaN) - expected) < 1e-12, `λ ${candidate?.rootDistance} = ${expected}`)
})

t.test('only servers that passed the checks vote', async (t) => {
  const selection = selectServer([observed(a, [at(0)]), observed(b, [sampleOf({ delay: 0.001, offset: 9, stratum: 16 })])], NOW)
  t.same(kinds(selection), ['selected', 'rejected'])
})

t.test('DENY and RSTR withdraw a server, its earlier good samples included', async (t) => {
  for (const code of ['DENY', 'RSTR']) {
    const selection = selectServer([observed(a, [at(0)], [kiss(code)])], NOW)
    t.same(selection.verdicts[0], { kind: 'kissed', server: a, kiss: kiss(code), replies: [at(0)] }, code)
    t.equal(selection.kind, 'none', code)
  }
})

t.test('RATE keeps the samples taken before it and marks the server', async (t) => {
  const good = at(0.0002)
  const candidate = chosenOf(selectServer([observed(a, [good], [kiss('RATE')])], NOW))
  t.equal(candidate?.best, good)
  t.equal(candidate?.rateLimited, true)
})

t.test('root distance grows with the age of the sample and is checked at selection', async (t) => {
  const old = at(0, 0.002)
  const fresh = selectServer([observed(a, [old])], 0n)
  t.equal(chosenOf(fresh)?.rootDistance, old.rootDistance)
  const aged = selectServer([observed(a, [old])], 100_000n * 1_000_000_000n)
  const verdict = aged.verdicts[0]
  t.equal(verdict?.kind === 'rejected' && verdict.fault.kind, 'root-distance', 'PHI × 100000 s = 1.5 s')
  t.ok(verdict?.kind === 'rejected' && verdict.rootDistance > 1.5, 'the verdict carries λ as at selection time')

  // a server that stepped during the run: its jitter alone takes λ past the limit
  const stepped = selectServer([observed(a, [at(0), at(2), at(2), at(2)])], 0n)
  const jittery = stepped.verdicts[0]
  t.equal(jittery?.kind === 'rejected' && jittery.fault.kind, 'root-distance')
  t.ok(jittery?.kind === 'rejected' && jittery.fault.kind === 'root-distance' && jittery.rootDistance === jittery.fault.seconds, 'λ and the fault say the same')
})

t.test('selection changes nothing it is given', async (t) => {
  const deepFreeze = <T>(value: T): T => {
    if (typeof value === 'object' && value !== null) Object.values(value).forEach(deepFreeze)
    return Object.freeze(value)
  }
  const observations = deepFreeze([observed(a, [at(0)]), observed(b, [at(2.5)]), observed(c, [at(0.0001)])])
  const selection = selectServer(observations, NOW) // strict mode: a write to a frozen object throws
  t.equal(candidateOf(selection.verdicts[1] ?? { kind: 'no-reply', server: a })?.server, b)
})
