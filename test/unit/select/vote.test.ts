import t from 'tap'
import { vote } from '../../../src/select/vote.js'

// Offsets and root distances in seconds; values are exact binary fractions so endpoints compare exactly.

t.test('no candidates: no majority', async (t) => {
  t.same(vote([]), { kind: 'no-majority' })
})

t.test('one server is its own majority', async (t) => {
  t.same(vote([{ offset: 0.25, rootDistance: 0.125 }]), {
    kind: 'majority',
    intersection: { low: 0.125, high: 0.375 },
    truechimers: [0],
    falsetickers: [],
  })
})

t.test('one server with a zero root distance: a point interval', async (t) => {
  t.same(vote([{ offset: -2, rootDistance: 0 }]), {
    kind: 'majority',
    intersection: { low: -2, high: -2 },
    truechimers: [0],
    falsetickers: [],
  })
})

t.test('two servers that agree: both truechimers, the intersection is their overlap', async (t) => {
  t.same(
    vote([
      { offset: 0.5, rootDistance: 0.25 }, // [0.25, 0.75]
      { offset: 0.75, rootDistance: 0.125 }, // [0.625, 0.875]
    ]),
    { kind: 'majority', intersection: { low: 0.625, high: 0.75 }, truechimers: [0, 1], falsetickers: [] },
  )
})

t.test('two servers that disagree: no majority', async (t) => {
  t.same(
    vote([
      { offset: 0, rootDistance: 0.25 }, // [-0.25, 0.25]
      { offset: 3600, rootDistance: 0.25 }, // an hour off
    ]),
    { kind: 'no-majority' },
  )
})

t.test('three servers, one liar: the liar is the falseticker', async (t) => {
  t.same(
    vote([
      { offset: 0.001, rootDistance: 0.0078125 },
      { offset: 100, rootDistance: 0.0078125 }, // the liar, 100 s ahead
      { offset: 0.00390625, rootDistance: 0.0078125 },
    ]),
    {
      kind: 'majority',
      intersection: { low: 0.00390625 - 0.0078125, high: 0.001 + 0.0078125 },
      truechimers: [0, 2],
      falsetickers: [1],
    },
  )
})

t.test('two agreeing liars outvote one good server: the good one is the falseticker', async (t) => {
  // The vote cannot know which side tells the truth; two against one wins (classic ntpdate keeps
  // the lone server here, which is the failure this rule avoids when the two are the honest ones).
  t.same(
    vote([
      { offset: 0, rootDistance: 0.015625 }, // the good server
      { offset: 5, rootDistance: 0.015625 }, // liar
      { offset: 5.0078125, rootDistance: 0.015625 }, // liar, agreeing with the other
    ]),
    {
      kind: 'majority',
      intersection: { low: 5.0078125 - 0.015625, high: 5 + 0.015625 },
      truechimers: [1, 2],
      falsetickers: [0],
    },
  )
})

t.test('intervals that only touch count as overlapping', async (t) => {
  t.same(
    vote([
      { offset: 0, rootDistance: 1 }, // [-1, 1]
      { offset: 2, rootDistance: 1 }, // [1, 3]
    ]),
    { kind: 'majority', intersection: { low: 1, high: 1 }, truechimers: [0, 1], falsetickers: [] },
  )
  t.same(
    vote([
      { offset: 0, rootDistance: 0 },
      { offset: 0, rootDistance: 0 },
      { offset: 0.5, rootDistance: 0.5 }, // [0, 1] touches the two points at 0
    ]),
    { kind: 'majority', intersection: { low: 0, high: 0 }, truechimers: [0, 1, 2], falsetickers: [] },
  )
})

t.test('a wide but agreeing server is a truechimer even when its own offset lies outside the intersection', async (t) => {
  // As in ntpd 4.2.8 and chrony, midpoints are not counted: a less precise server that agrees is not a liar.
  t.same(
    vote([
      { offset: 0, rootDistance: 0.75 }, // [-0.75, 0.75], θ = 0 outside [0.5, 0.75]
      { offset: 1, rootDistance: 0.5 }, // [0.5, 1.5]
      { offset: 0.75, rootDistance: 0.25 }, // [0.5, 1]
    ]),
    { kind: 'majority', intersection: { low: 0.5, high: 0.75 }, truechimers: [0, 1, 2], falsetickers: [] },
  )
})

t.test('an even split of two agreeing pairs: no majority', async (t) => {
  t.same(
    vote([
      { offset: 0, rootDistance: 0.125 },
      { offset: 10, rootDistance: 0.125 },
      { offset: 0.0625, rootDistance: 0.125 },
      { offset: 10.0625, rootDistance: 0.125 },
    ]),
    { kind: 'no-majority' },
  )
})
