import t from 'tap'
import { LeapIndicator } from '../../src/ntp/packet.js'
import { selectServer } from '../../src/select.js'
import { refidOf, sampleOf, server } from '../helpers-unit.js'

const a = server('10.0.0.1')
const b = server('10.0.0.2')
const c = server('10.0.0.3')
const kod = { stratum: 0, leap: LeapIndicator.Unsynchronized, referenceId: refidOf('RATE') }

t.test('a server is represented by its lowest-delay sample', async (t) => {
  const samples = [sampleOf({ delay: 0.03 }), sampleOf({ delay: 0.01 }), sampleOf({ delay: 0.02 })]
  const { verdicts, chosen } = selectServer([{ server: a, samples }])
  t.equal(verdicts[0]!.best, samples[1])
  t.equal(chosen, verdicts[0])
  t.same(chosen!.status, { kind: 'selected' })
})

t.test('the server with the lowest delay wins, the others stay candidates', async (t) => {
  const best = sampleOf({ delay: 0.01 })
  const { verdicts, chosen } = selectServer([
    { server: a, samples: [sampleOf({ delay: 0.02 })] },
    { server: b, samples: [sampleOf({ delay: 0.05 }), best] },
    { server: c, samples: [sampleOf({ delay: 0.015 })] },
  ])
  t.same(verdicts.map((v) => v.server), [a, b, c], 'verdicts keep the order of the observations')
  t.equal(chosen?.server, b)
  t.equal(chosen?.best, best)
  t.same(verdicts.map((v) => v.status.kind), ['candidate', 'selected', 'candidate'])
})

t.test('equal delay: the lower stratum wins, whatever the order', async (t) => {
  const stratum3 = { server: a, samples: [sampleOf({ delay: 0.01, stratum: 3 })] }
  const stratum2 = { server: b, samples: [sampleOf({ delay: 0.01, stratum: 2 })] }
  t.equal(selectServer([stratum3, stratum2]).chosen?.server, b)
  t.equal(selectServer([stratum2, stratum3]).chosen?.server, b)
})

t.test('a server without replies', async (t) => {
  const { verdicts, chosen } = selectServer([{ server: a, samples: [] }])
  t.same(verdicts, [{ server: a, best: undefined, status: { kind: 'no-reply' } }])
  t.equal(chosen, undefined)
})

t.test('a server with no usable sample is rejected with the reason of its last reply', async (t) => {
  const kods = [sampleOf({ delay: 0.01, packet: kod }), sampleOf({ delay: 0.02, packet: kod })]
  const onlyKod = selectServer([{ server: a, samples: kods }])
  t.equal(onlyKod.chosen, undefined)
  t.same(onlyKod.verdicts[0]!.status, { kind: 'rejected', reason: { kind: 'kiss-o-death', code: 'RATE' } })
  t.equal(onlyKod.verdicts[0]!.best, kods[1], 'best is the last reply')

  const mixedReasons = selectServer([
    { server: a, samples: [sampleOf({ delay: 0.01, packet: kod }), sampleOf({ delay: 0.02, stratum: 16 })] },
  ])
  t.same(mixedReasons.verdicts[0]!.status, { kind: 'rejected', reason: { kind: 'bad-stratum', stratum: 16 } })

  const unsync = selectServer([{ server: a, samples: [sampleOf({ delay: 0.01, packet: { leap: LeapIndicator.Unsynchronized } })] }])
  t.same(unsync.verdicts[0]!.status, { kind: 'rejected', reason: { kind: 'unsynchronized' } })
})

t.test('unusable samples are skipped even when their delay is lowest', async (t) => {
  const good = sampleOf({ delay: 0.03 })
  const { verdicts } = selectServer([
    { server: a, samples: [sampleOf({ delay: 0.05 }), sampleOf({ delay: 0.001, packet: kod }), good, sampleOf({ delay: 0.002, stratum: 16 })] },
  ])
  t.equal(verdicts[0]!.best, good)
  t.same(verdicts[0]!.status, { kind: 'selected' })
})

t.test('a rejected or silent server never wins over a usable one', async (t) => {
  const { verdicts, chosen } = selectServer([
    { server: a, samples: [sampleOf({ delay: 0.001, packet: kod })] },
    { server: b, samples: [] },
    { server: c, samples: [sampleOf({ delay: 0.5 })] },
  ])
  t.equal(chosen?.server, c)
  t.same(verdicts.map((v) => v.status.kind), ['rejected', 'no-reply', 'selected'])
})

t.test('no observations, no choice', async (t) => {
  t.same(selectServer([]), { verdicts: [], chosen: undefined })
})
