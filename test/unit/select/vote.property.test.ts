/**
 * Property-based tests (fast-check) of the intersection vote (RFC 5905 §11.2.1) and of the choice
 * that follows it, over random server sets: offsets and root distances at several scales, with
 * exact grid values so that touching and coinciding endpoints occur often.
 */
import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import t from 'tap'
import type { Sample } from '../../../src/ntp/sample.js'
import { selectServer } from '../../../src/select/select.js'
import type { ServerObservation } from '../../../src/ntp/observation.js'
import type { Interval } from '../../../src/ntp/interval.js'
import { vote, type Candidate } from '../../../src/select/vote.js'
import { holds } from '../../helpers/property.js'
import { sampleOf, server } from '../../helpers/unit.js'

const RUNS = 2000

// ---- Candidates.

/** Powers of two keep grid endpoints exact; 1e-6 … 1e3 s spans LAN to badly wrong clocks. */
const GRID_SCALES = [2 ** -20, 2 ** -10, 2 ** -1, 1, 2 ** 10] as const
const FLOAT_SCALES = [1e-6, 1e-3, 0.1, 1, 1e3] as const

function gridCandidate(scale: number, maxRootDistance = Infinity): fc.Arbitrary<Candidate> {
  return fc.tuple(fc.integer({ min: -16, max: 16 }), fc.integer({ min: 0, max: 12 })).map(([k, m]) => ({ offset: (k * scale) / 4, rootDistance: Math.min((m * scale) / 4, maxRootDistance) }))
}

function floatCandidate(scale: number, maxRootDistance = Infinity): fc.Arbitrary<Candidate> {
  const rootDistance = fc.oneof(fc.constant(0), fc.double({ min: 0, max: Math.min(scale, maxRootDistance), noNaN: true }))
  return fc.tuple(fc.double({ min: -scale, max: scale, noNaN: true }), rootDistance).map(([offset, rootDistance]) => ({ offset, rootDistance }))
}

/** 1…15 candidates: all at one scale (grid or float), or each at its own. */
function candidateSets(maxRootDistance = Infinity, minLength = 1): fc.Arbitrary<Candidate[]> {
  const length = { minLength, maxLength: 15 }
  const anyScale = fc.oneof(
    fc.constantFrom(...GRID_SCALES).chain((s) => gridCandidate(s, maxRootDistance)),
    fc.constantFrom(...FLOAT_SCALES).chain((s) => floatCandidate(s, maxRootDistance)),
  )
  return fc.oneof(
    fc.constantFrom(...GRID_SCALES).chain((s) => fc.array(gridCandidate(s, maxRootDistance), length)),
    fc.constantFrom(...FLOAT_SCALES).chain((s) => fc.array(floatCandidate(s, maxRootDistance), length)),
    fc.array(anyScale, length),
  )
}

/** 1…14 candidates whose intervals all contain one point (exact: grid values around it). */
function agreeingSet(minLength: number, maxLength = 14, maxRootDistance = 1.5): fc.Arbitrary<Candidate[]> {
  return fc.constantFrom(...GRID_SCALES.filter((s) => s <= maxRootDistance)).chain((scale) => {
    const member = fc.tuple(fc.integer({ min: -8, max: 8 }), fc.integer({ min: 0, max: 4 })).map(([k, slack]) => ({ offset: (k * scale) / 8, rootDistance: ((Math.abs(k) + slack) * scale) / 8 }))
    return fc.tuple(fc.integer({ min: -64, max: 64 }), fc.array(member, { minLength, maxLength })).map(([at, members]) => members.map((c) => ({ ...c, offset: c.offset + (at * scale) / 8 })))
  })
}

// ---- An independent oracle: how many intervals cover a point (closed intervals).

const lowOf = (c: Candidate) => c.offset - c.rootDistance
const highOf = (c: Candidate) => c.offset + c.rootDistance
const covers = (c: Candidate, x: number) => lowOf(c) <= x && x <= highOf(c)
const coverage = (cs: readonly Candidate[], x: number) => cs.filter((c) => covers(c, x)).length
const overlaps = (c: Candidate, i: Interval) => lowOf(c) <= i.high && highOf(c) >= i.low
const coveringSet = (cs: readonly Candidate[], x: number) => cs.flatMap((c, i) => (covers(c, x) ? [i] : []))
const endpointsOf = (cs: readonly Candidate[]) => cs.flatMap((c) => [lowOf(c), highOf(c)])
/** The most intervals that share a point: the maximum is reached at some interval's low end. */
const mostCovering = (cs: readonly Candidate[]) => Math.max(0, ...cs.map((c) => coverage(cs, lowOf(c))))
const shareAPoint = (cs: readonly Candidate[]) => mostCovering(cs) === cs.length
/** === rather than deepEqual: 0 and −0 are the same offset. */
const sameInterval = (a: Interval, b: Interval) => a.low === b.low && a.high === b.high
const indexes = (n: number) => Array.from({ length: n }, (_, i) => i)

// ---- The vote.

t.test('the vote is a partition with a majority of truechimers, or no majority', async (t) => {
  holds(
    t,
    fc.property(candidateSets(), (cs) => {
      const n = cs.length
      const result = vote(cs)
      if (result.kind === 'no-majority') return
      const { truechimers, falsetickers, intersection } = result
      assert.deepEqual(
        [...truechimers, ...falsetickers].sort((a, b) => a - b),
        indexes(n),
        'indexes partitioned',
      )
      assert.deepEqual(
        [...truechimers].sort((a, b) => a - b),
        truechimers,
        'truechimers ascending',
      )
      assert.deepEqual(
        [...falsetickers].sort((a, b) => a - b),
        falsetickers,
        'falsetickers ascending',
      )
      assert.ok(2 * truechimers.length > n, 'truechimers are a majority')
      assert.ok(intersection.low <= intersection.high, 'low ≤ high')
    }),
    RUNS,
  )
})

t.test('truechimers contain the intersection, falsetickers do not touch it', async (t) => {
  holds(
    t,
    fc.property(candidateSets(), (cs) => {
      const result = vote(cs)
      if (result.kind === 'no-majority') return
      const { low, high } = result.intersection
      for (const i of result.truechimers) assert.ok(covers(cs[i]!, low) && covers(cs[i]!, high), `truechimer ${i}`)
      for (const i of result.falsetickers) assert.ok(!overlaps(cs[i]!, result.intersection), `falseticker ${i}`)
    }),
    RUNS,
  )
})

t.test('the truechimers are the most intervals sharing a point, if a majority agreeing in one place', async (t) => {
  let ambiguous = 0
  holds(
    t,
    fc.property(candidateSets(), (cs) => {
      const n = cs.length
      const most = mostCovering(cs)
      const mostCovered = endpointsOf(cs).filter((x) => coverage(cs, x) === most)
      const groups = new Set(mostCovered.map((x) => coveringSet(cs, x).join()))
      const result = vote(cs)
      if (2 * most <= n) {
        assert.equal(result.kind, 'no-majority', `at most ${most} of ${n} intervals share a point`)
        return
      }
      if (groups.size > 1) {
        ambiguous++
        assert.equal(result.kind, 'no-majority', `${groups.size} different groups of ${most} share a point`)
        return
      }
      assert.equal(result.kind, 'majority', `${most} of ${n} intervals share a point`)
      if (result.kind !== 'majority') return
      const { low, high } = result.intersection
      assert.deepEqual(result.truechimers, coveringSet(cs, low), 'the truechimers are the group')
      assert.ok(Math.min(...mostCovered) === low, 'low is the lowest most-covered point')
      assert.ok(Math.max(...mostCovered) === high, 'high is the highest most-covered point')
      assert.equal(result.falsetickers.length, n - most)
    }),
    RUNS,
  )
  t.ok(ambiguous > 0, `${ambiguous} runs had two groups bridged by a wide interval (no majority)`)
})

t.test('a wide interval cannot bridge two groups that disagree', async (t) => {
  t.same(
    vote([
      { offset: 0.5, rootDistance: 0.5 },
      { offset: 2.5, rootDistance: 0.5 },
      { offset: 1.5, rootDistance: 1.5 },
    ]),
    { kind: 'no-majority' },
  )
})

t.test('when all intervals share a point, all are truechimers', async (t) => {
  const sets = fc.oneof(agreeingSet(1, 15, Infinity), candidateSets().filter(shareAPoint))
  holds(
    t,
    fc.property(sets, (cs) => {
      assert.ok(shareAPoint(cs))
      const result = vote(cs)
      assert.equal(result.kind, 'majority')
      if (result.kind !== 'majority') return
      assert.deepEqual(result.truechimers, indexes(cs.length))
      assert.deepEqual(result.falsetickers, [])
      for (const c of cs) assert.ok(covers(c, result.intersection.low) && covers(c, result.intersection.high))
    }),
    RUNS,
  )
})

t.test('two candidates with disjoint intervals: no majority', async (t) => {
  holds(
    t,
    fc.property(fc.tuple(candidateSets(Infinity, 1), candidateSets(Infinity, 1)), ([[a], [b]]) => {
      fc.pre(highOf(a!) < lowOf(b!) || highOf(b!) < lowOf(a!))
      assert.deepEqual(vote([a!, b!]), { kind: 'no-majority' })
    }),
    RUNS,
  )
})

t.test('an even split into two disjoint agreeing groups: no majority', async (t) => {
  const split = fc.tuple(agreeingSet(1, 7), agreeingSet(1, 7), fc.double({ min: 1e-9, max: 10, noNaN: true }), fc.array(fc.nat(), { maxLength: 14 })).map(([left, right, gap, keys]) => {
    const size = Math.min(left.length, right.length)
    const a = left.slice(0, size)
    const b = right.slice(0, size)
    // Shift b so that its lowest end lies `gap` above a's highest end.
    const shift = Math.max(...a.map(highOf)) - Math.min(...b.map(lowOf)) + gap
    return shuffle([...a, ...b.map((c) => ({ ...c, offset: c.offset + shift }))], keys)
  })
  holds(
    t,
    fc.property(split, (cs) => {
      const half = cs.length / 2
      fc.pre(mostCovering(cs) === half) // the shift was not swallowed by rounding
      assert.deepEqual(vote(cs), { kind: 'no-majority' })
    }),
    RUNS,
  )
})

t.test('permuting the candidates permutes the result the same way', async (t) => {
  holds(
    t,
    fc.property(candidateSets(), fc.array(fc.nat(), { maxLength: 15 }), (cs, keys) => {
      const order = shuffle(indexes(cs.length), keys) // permuted[j] = cs[order[j]]
      const permuted = order.map((i) => cs[i]!)
      const before = vote(cs)
      const after = vote(permuted)
      if (before.kind === 'no-majority' || after.kind === 'no-majority') {
        assert.equal(after.kind, before.kind)
        return
      }
      assert.ok(sameInterval(after.intersection, before.intersection))
      const back = (js: number[]) => js.map((j) => order[j]!).sort((a, b) => a - b)
      assert.deepEqual(back(after.truechimers), before.truechimers)
      assert.deepEqual(back(after.falsetickers), before.falsetickers)
    }),
    RUNS,
  )
})

// ---- The choice: selectServer over one usable sample per server.

interface Voter {
  candidate: Candidate
  delay: number
  stratum: number
}

/** Delays and strata from small sets, so that ties are common; λ independent of δ. */
function voters(candidates: fc.Arbitrary<Candidate[]>): fc.Arbitrary<Voter[]> {
  return candidates.chain((cs) =>
    fc
      .tuple(...cs.map(() => fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 3 }))))
      .map((extra) => cs.map((candidate, i) => ({ candidate, delay: extra[i]![0] * 2 ** -10, stratum: extra[i]![1] }))),
  )
}

/** Samples aged 0 at selection time, so λ is exactly the candidate's root distance. */
const NOW = 0n

function observationsOf(vs: readonly Voter[], names: readonly number[] = indexes(vs.length)): ServerObservation[] {
  return vs.map(({ candidate, delay, stratum }, i): ServerObservation => {
    const sample: Sample = { ...sampleOf({ delay, offset: candidate.offset, stratum }), rootDistance: candidate.rootDistance }
    return { server: server(`10.0.0.${names[i]! + 1}`), replies: [sample], kisses: [], unauthenticated: 0 }
  })
}

/** Root distances above 1.5 s (MAXDIST) are rejected before the vote; stay below. */
const usableSets = candidateSets(1.5)

t.test('selectServer: the chosen server is the best truechimer of the vote', async (t) => {
  let chosenOutside = 0
  holds(
    t,
    fc.property(voters(usableSets), (vs) => {
      const cs = vs.map((v) => v.candidate)
      const result = vote(cs)
      const selection = selectServer(observationsOf(vs), NOW)
      const { verdicts } = selection
      if (result.kind === 'no-majority') {
        assert.equal(selection.kind, 'no-majority')
        return
      }
      assert.ok(selection.kind === 'chosen' && sameInterval(selection.intersection, result.intersection))
      const i = verdicts.findIndex((v) => v.kind === 'selected')
      assert.ok(result.truechimers.includes(i), `the chosen server ${i} is a truechimer`)
      assert.deepEqual(
        verdicts.map((v) => v.kind),
        cs.map((_, j) => (j === i ? 'selected' : result.truechimers.includes(j) ? 'agreed' : 'falseticker')),
      )
      for (const j of result.truechimers) {
        const better = vs[j]!.delay < vs[i]!.delay || (vs[j]!.delay === vs[i]!.delay && vs[j]!.stratum < vs[i]!.stratum)
        assert.ok(!better, `truechimer ${j} has lower delay, or equal delay and lower stratum, than the chosen ${i}`)
      }
      // θ may lie outside [low, high] when λ is wide (midpoints are not counted), but its interval contains it.
      const { offset: θ, rootDistance: λ } = cs[i]!
      const { low, high } = result.intersection
      assert.ok(θ - λ <= low && θ + λ >= high, 'the chosen interval contains the intersection')
      const inside = (x: number) => low <= x && x <= high
      if (result.truechimers.every((j) => inside(cs[j]!.offset))) assert.ok(inside(θ), 'θ inside when all truechimers are')
      if (!inside(θ)) chosenOutside++
    }),
    RUNS,
  )
  t.ok(chosenOutside > 0, `the chosen θ lay outside the intersection in ${chosenOutside} runs (by design)`)
})

t.test('adding one liar to an agreeing majority changes nothing for the others', async (t) => {
  const withLiar = fc
    .tuple(
      voters(agreeingSet(2)),
      fc.constantFrom('below' as const, 'above' as const),
      fc.double({ min: 1e-9, max: 100, noNaN: true }), // gap between the liar and the nearest end
      fc.double({ min: 0, max: 1.5, noNaN: true }), // the liar's λ
      fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 3 })), // its delay and stratum
      fc.nat(),
    )
    .map(([honest, side, gap, λ, [delay, stratum], at]) => {
      const cs = honest.map((v) => v.candidate)
      const offset = side === 'below' ? Math.min(...cs.map(lowOf)) - gap - λ : Math.max(...cs.map(highOf)) + gap + λ
      const liar: Voter = { candidate: { offset, rootDistance: λ }, delay: delay * 2 ** -10, stratum }
      return { honest, liar, at: at % (honest.length + 1) }
    })
  holds(
    t,
    fc.property(withLiar, ({ honest, liar, at }) => {
      const cs = honest.map((v) => v.candidate)
      fc.pre(cs.every((c) => !overlaps(liar.candidate, { low: lowOf(c), high: highOf(c) }))) // not undone by rounding
      const all = [...honest.slice(0, at), liar, ...honest.slice(at)]
      const names = [...indexes(honest.length).slice(0, at), honest.length, ...indexes(honest.length).slice(at)]
      const before = vote(cs)
      const after = vote(all.map((v) => v.candidate))
      assert.equal(before.kind, 'majority')
      assert.equal(after.kind, 'majority')
      if (before.kind !== 'majority' || after.kind !== 'majority') return
      assert.deepEqual(after.falsetickers, [at], 'the liar is the only falseticker')
      assert.ok(sameInterval(after.intersection, before.intersection), 'the intersection does not move')
      const chosenServer = (s: ReturnType<typeof selectServer>) => (s.kind === 'chosen' ? s.chosen.server : undefined)
      const chosenBefore = chosenServer(selectServer(observationsOf(honest), NOW))
      const chosenAfter = chosenServer(selectServer(observationsOf(all, names), NOW))
      assert.ok(chosenBefore !== undefined)
      assert.deepEqual(chosenAfter, chosenBefore, 'the same server is chosen')
    }),
    RUNS,
  )
})

/** A permutation of `items` from random sort keys (missing keys count as 0; ties keep order). */
function shuffle<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map(({ item }) => item)
}
