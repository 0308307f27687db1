import t from 'tap'
import { LeapIndicator } from '../../../src/ntp/packet.js'
import { selectServer } from '../../../src/select/select.js'
import { refidOf, sampleOf, server } from '../../helpers/unit.js'

const NOW = 0n

const a = server('10.0.0.1')
const b = server('10.0.0.2')
const c = server('10.0.0.3')
const kod = { stratum: 0, leap: LeapIndicator.Unsynchronized, referenceId: refidOf('RATE') }

t.test('a server is represented by its lowest-delay sample', async (t) => {
  const samples = [sampleOf({ delay: 0.03 }), sampleOf({ delay: 0.01 }), sampleOf({ delay: 0.02 })]
  const { verdicts, chosen } = selectServer([{ server: a, samples }], NOW)
  t.equal(verdicts[0]!.best, samples[1])
  t.equal(chosen, verdicts[0])
  t.same(chosen!.status, { kind: 'selected' })
})

t.test('its offset: the lowest-delay sample\'s, unless the usable samples\' bounds exclude it; the vote uses that offset', async (t) => {
  const best = sampleOf({ delay: 0.008, offset: 0.0035 }) // [-0.5, 7.5] ms
  const other = sampleOf({ delay: 0.01, offset: -0.004 }) // [-9, 1] ms
  const unusable = sampleOf({ delay: 0.009, offset: 0.1, stratum: 16 }) // its bounds do not count
  const { verdicts, chosen } = selectServer([{ server: a, samples: [best, other, unusable] }], NOW)
  t.equal(verdicts[0]!.best, best, 'the lowest-delay usable sample still represents the server')
  t.ok(Math.abs(verdicts[0]!.estimate!.offset - 0.00025) < 1e-12, 'the middle of [-0.5, 1] ms')
  t.equal(verdicts[0]!.estimate!.overruledBy?.samples, 2, 'two usable samples')
  t.equal(chosen, verdicts[0])

  // λ of a is 4 ms: around its estimate it reaches b and c at -3 ms, around +3.5 ms it would not
  const voted = selectServer([
    { server: a, samples: [best, other] },
    { server: b, samples: [sampleOf({ delay: 0.0002, offset: -0.003 })] },
    { server: c, samples: [sampleOf({ delay: 0.0002, offset: -0.003 })] },
  ], NOW)
  t.same(voted.verdicts.map((v) => v.status.kind), ['truechimer', 'selected', 'truechimer'], 'a votes with its estimate')
})

t.test('the server with the lowest delay wins, the others stay candidates', async (t) => {
  const best = sampleOf({ delay: 0.01 })
  const { verdicts, chosen } = selectServer([
    { server: a, samples: [sampleOf({ delay: 0.02 })] },
    { server: b, samples: [sampleOf({ delay: 0.05 }), best] },
    { server: c, samples: [sampleOf({ delay: 0.015 })] },
  ], NOW)
  t.same(verdicts.map((v) => v.server), [a, b, c], 'verdicts keep the order of the observations')
  t.equal(chosen?.server, b)
  t.equal(chosen?.best, best)
  t.same(verdicts.map((v) => v.status.kind), ['truechimer', 'selected', 'truechimer'])
})

t.test('equal delay: the lower stratum wins, whatever the order', async (t) => {
  const stratum3 = { server: a, samples: [sampleOf({ delay: 0.01, stratum: 3 })] }
  const stratum2 = { server: b, samples: [sampleOf({ delay: 0.01, stratum: 2 })] }
  t.equal(selectServer([stratum3, stratum2], NOW).chosen?.server, b)
  t.equal(selectServer([stratum2, stratum3], NOW).chosen?.server, b)
})

t.test('a server without replies', async (t) => {
  const { verdicts, chosen } = selectServer([{ server: a, samples: [] }], NOW)
  t.same(verdicts, [{ server: a, best: undefined, estimate: undefined, rootDistance: undefined, status: { kind: 'no-reply' }, rateLimited: false }])
  t.equal(chosen, undefined)
})

t.test('a server with no usable sample is rejected with the reason of its last reply', async (t) => {
  const kods = [sampleOf({ delay: 0.01, packet: kod }), sampleOf({ delay: 0.02, packet: kod })]
  const onlyKod = selectServer([{ server: a, samples: kods }], NOW)
  t.equal(onlyKod.chosen, undefined)
  t.same(onlyKod.verdicts[0]!.status, { kind: 'kod', code: 'RATE' })
  t.equal(onlyKod.verdicts[0]!.best, kods[0], 'best is the kiss')

  const mixedReasons = selectServer([
    { server: a, samples: [sampleOf({ delay: 0.01, packet: { ...kod, referenceId: refidOf('XYZ') } }), sampleOf({ delay: 0.02, stratum: 16 })] },
  ], NOW)
  t.same(mixedReasons.verdicts[0]!.status, { kind: 'rejected', reason: { kind: 'bad-stratum', stratum: 16 } })

  const unsync = selectServer([{ server: a, samples: [sampleOf({ delay: 0.01, packet: { leap: LeapIndicator.Unsynchronized } })] }], NOW)
  t.same(unsync.verdicts[0]!.status, { kind: 'rejected', reason: { kind: 'unsynchronized' } })
})

t.test('unusable samples are skipped even when their delay is lowest', async (t) => {
  const good = sampleOf({ delay: 0.03 })
  const { verdicts } = selectServer([
    { server: a, samples: [sampleOf({ delay: 0.05 }), sampleOf({ delay: 0.001, packet: kod }), good, sampleOf({ delay: 0.002, stratum: 16 })] },
  ], NOW)
  t.equal(verdicts[0]!.best, good)
  t.same(verdicts[0]!.status, { kind: 'selected' })
})

t.test('a rejected or silent server never wins over a usable one', async (t) => {
  const { verdicts, chosen } = selectServer([
    { server: a, samples: [sampleOf({ delay: 0.001, packet: kod })] },
    { server: b, samples: [] },
    { server: c, samples: [sampleOf({ delay: 0.5 })] },
  ], NOW)
  t.equal(chosen?.server, c)
  t.same(verdicts.map((v) => v.status.kind), ['kod', 'no-reply', 'selected'])
})

t.test('no observations, no choice', async (t) => {
  t.same(selectServer([], NOW), { verdicts: [], chosen: undefined, agreement: { kind: 'none' } })
})

const at = (offset: number, delay = 0.002) => sampleOf({ delay, offset })
const d = server('10.0.0.4')

t.test('the vote: a lone liar among agreeing servers is a falseticker, even with the lowest delay', async (t) => {
  const { verdicts, chosen, agreement } = selectServer(
    [
      { server: a, samples: [at(0.0001, 0.004)] },
      { server: b, samples: [at(2.5, 0.001)] },
      { server: c, samples: [at(-0.0001, 0.003)] },
    ],
    NOW,
  )
  t.same(verdicts.map((v) => v.status.kind), ['truechimer', 'falseticker', 'selected'])
  t.equal(chosen?.server, c)
  t.equal(agreement.kind, 'majority')
})

t.test('the vote: two agreeing liars outvote one good server (majority rule)', async (t) => {
  const { verdicts, chosen } = selectServer(
    [
      { server: a, samples: [at(0, 0.001)] },
      { server: b, samples: [at(2.5, 0.002)] },
      { server: c, samples: [at(2.5001, 0.003)] },
    ],
    NOW,
  )
  t.same(verdicts.map((v) => v.status.kind), ['falseticker', 'selected', 'truechimer'])
  t.equal(chosen?.best?.offset, 2.5)
})

t.test('the vote: two servers that disagree leave no majority and no choice', async (t) => {
  const two = selectServer([{ server: a, samples: [at(0)] }, { server: b, samples: [at(2.5)] }], NOW)
  t.same(two.agreement, { kind: 'no-majority' })
  t.equal(two.chosen, undefined)
  t.same(two.verdicts.map((v) => v.status.kind), ['truechimer', 'truechimer'], 'nobody is called a liar')
  const split = selectServer(
    [a, b, c, d].map((s, i) => ({ server: s, samples: [at(i < 2 ? 0 : 1)] })),
    NOW,
  )
  t.same(split.agreement, { kind: 'no-majority' }, 'two against two')
})

t.test('only servers that passed the checks vote', async (t) => {
  const { verdicts, chosen } = selectServer(
    [{ server: a, samples: [at(0)] }, { server: b, samples: [sampleOf({ delay: 0.001, offset: 9, stratum: 16 })] }],
    NOW,
  )
  t.same(verdicts.map((v) => v.status.kind), ['selected', 'rejected'])
  t.equal(chosen?.server, a)
})

t.test('DENY and RSTR withdraw a server, its earlier good samples included', async (t) => {
  for (const code of ['DENY', 'RSTR']) {
    const kiss = { stratum: 0, leap: LeapIndicator.Unsynchronized, referenceId: refidOf(code) }
    const { verdicts, chosen } = selectServer([{ server: a, samples: [at(0), sampleOf({ delay: 0.01, packet: kiss })] }], NOW)
    t.same(verdicts[0]!.status, { kind: 'kod', code }, code)
    t.equal(chosen, undefined, code)
  }
})

t.test('RATE keeps the samples taken before it and marks the server', async (t) => {
  const good = at(0.0002)
  const { verdicts, chosen } = selectServer([{ server: a, samples: [good, sampleOf({ delay: 0.01, packet: kod })] }], NOW)
  t.equal(chosen?.best, good)
  t.equal(verdicts[0]!.rateLimited, true)
})

t.test('root distance grows with the age of the sample and is checked at selection', async (t) => {
  const old = { ...at(0, 0.002), receivedAtNanos: 0n }
  const fresh = selectServer([{ server: a, samples: [old] }], 0n)
  t.equal(fresh.verdicts[0]!.rootDistance, old.rootDistance)
  const aged = selectServer([{ server: a, samples: [old] }], 100_000n * 1_000_000_000n)
  t.same(aged.verdicts[0]!.status, { kind: 'rejected', reason: { kind: 'root-distance', seconds: aged.verdicts[0]!.rootDistance! } }, 'PHI × 100000 s = 1.5 s')
})
