import t from 'tap'
import type { NtpPacket } from '../../../src/ntp/packet.js'
import { LOCAL_PRECISION, PHI, rootDistanceAt, toSample } from '../../../src/ntp/sample.js'
import { ntpFromUnixNanos } from '../../../src/ntp/timestamp.js'
import { at, ERA_1_START_UNIX_SECONDS, near, replyTo } from '../../helpers/unit.js'

const BASE = 1_764_038_000n // 2025-11-25, Unix seconds

/**
 * One exchange with T1..T4 given as seconds after `base` (T1, T4 on our clock, T2, T3 on the
 * server's), T2 and T3 put on the wire as NTP timestamps.
 */
function exchange(times: { t1: number; t2: number; t3: number; t4: number }, packet: Partial<NtpPacket> = {}, base = BASE) {
  const reply = replyTo(1n, {
    receiveTime: ntpFromUnixNanos(at(base, times.t2)),
    transmitTime: ntpFromUnixNanos(at(base, times.t3)),
    ...packet,
  })
  return toSample(reply, at(base, times.t1), at(base, times.t4))
}

t.test('server 2.5 s ahead, 10 ms each way, 1 ms processing', async (t) => {
  const s = exchange({ t1: 0, t2: 2.51, t3: 2.511, t4: 0.021 })
  t.ok(near(s.offset, 2.5), `offset ${s.offset} ≈ +2.5 (positive: our clock is behind)`)
  t.ok(near(s.delay, 0.02), `delay ${s.delay} ≈ 0.020`)
})

t.test('server 1.25 s behind', async (t) => {
  const s = exchange({ t1: 0, t2: -1.24, t3: -1.239, t4: 0.021 })
  t.ok(near(s.offset, -1.25), `offset ${s.offset} ≈ -1.25`)
  t.ok(near(s.delay, 0.02), `delay ${s.delay} ≈ 0.020`)
})

t.test('long server processing counts in neither offset nor delay', async (t) => {
  const s = exchange({ t1: 0, t2: 0.01, t3: 0.51, t4: 0.52 })
  t.ok(near(s.offset, 0), `offset ${s.offset} ≈ 0`)
  t.ok(near(s.delay, 0.02), `delay ${s.delay} ≈ 0.020`)
})

t.test('asymmetric paths: half the asymmetry shows up as offset', async (t) => {
  // clocks agree; 30 ms out, 10 ms back
  const s = exchange({ t1: 0, t2: 0.03, t3: 0.03, t4: 0.04 })
  t.ok(near(s.offset, 0.01), `offset ${s.offset} ≈ +0.010`)
  t.ok(near(s.delay, 0.04), `delay ${s.delay} ≈ 0.040`)
})

t.test('a negative delay (server time longer than our round trip) is clamped to 0', async (t) => {
  const s = exchange({ t1: 0, t2: 0.000001, t3: 0.000006, t4: 0.000001 })
  t.equal(s.delay, 0)
  t.ok(near(s.offset, 0.000003), `offset ${s.offset} ≈ +0.000003`)
})

t.test('an exchange that straddles the 2036 era wrap', async (t) => {
  // T1 and T2 in era 0, T3 and T4 in era 1
  const s = exchange({ t1: -0.004, t2: -0.002, t3: 0.001, t4: 0.003 }, {}, ERA_1_START_UNIX_SECONDS)
  t.ok(s.packet.receiveTime > s.packet.transmitTime, 'raw T3 < raw T2: the seconds field wrapped')
  t.ok(near(s.offset, 0), `offset ${s.offset} ≈ 0`)
  t.ok(near(s.delay, 0.004), `delay ${s.delay} ≈ 0.004`)

  // our clock still in era 0, the server 2.5 s ahead and already in era 1
  const ahead = exchange({ t1: -1, t2: 1.51, t3: 1.511, t4: -0.979 }, {}, ERA_1_START_UNIX_SECONDS)
  t.ok(near(ahead.offset, 2.5), `offset ${ahead.offset} ≈ +2.5`)
  t.ok(near(ahead.delay, 0.02), `delay ${ahead.delay} ≈ 0.020`)
})

t.test('dispersion and rootDistance', async (t) => {
  t.equal(LOCAL_PRECISION, -20)
  const s = exchange({ t1: 0, t2: 0.01, t3: 0.011, t4: 0.021 }, { precision: -10, rootDelay: 0.25, rootDispersion: 0.125 })
  const epsilon = 2 ** -10 + 2 ** -20 + PHI * 0.021
  t.ok(near(s.dispersion, epsilon), 'ε = 2^precision + 2^LOCAL_PRECISION + PHI × (T4 − T1)')
  // λ = δ/2 + ε + rootDelay/2 + rootDispersion (RFC 5905 §11.2.1)
  const expected = 0.02 / 2 + epsilon + 0.25 / 2 + 0.125
  t.ok(near(s.rootDistance, expected), `rootDistance ${s.rootDistance} ≈ ${expected}`)
  t.ok(near(s.rootDistance, 0.260977831), 'the same, as a number')
})

t.test("λ grows by PHI per second of the sample's age, never shrinks", async (t) => {
  const s = { ...exchange({ t1: 0, t2: 0.01, t3: 0.011, t4: 0.021 }), receivedAtNanos: 5_000_000_000n }
  t.equal(rootDistanceAt(s, 5_000_000_000n), s.rootDistance)
  t.ok(near(rootDistanceAt(s, 15_000_000_000n), s.rootDistance + 10 * PHI), '+ 10 s × 15 ppm')
  t.equal(rootDistanceAt(s, 0n), s.rootDistance, 'a clock read before the sample adds nothing')
})

t.test('a sample carries T1, T4, the stratum and the packet', async (t) => {
  const reply = replyTo(9n, { stratum: 3 })
  const s = toSample(reply, 111n, 222n)
  t.equal(s.sentAtNanos, 111n)
  t.equal(s.receivedAtNanos, 222n)
  t.equal(s.stratum, 3)
  t.equal(s.packet, reply)
})
