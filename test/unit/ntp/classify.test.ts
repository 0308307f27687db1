/** src/ntp/classify.ts: every datagram is a reply, a kiss or ignored with its reason, decided once. */
import t from 'tap'
import { classifyDatagram, type OutstandingRequests } from '../../../src/ntp/classify.js'
import { decodePacket, encodePacket, NtpMode, type NtpPacket } from '../../../src/ntp/packet.js'
import { kissOfDeath, readHexFixture, replyTo } from '../../helpers/unit.js'

const server = { address: '192.0.2.1', port: 123 }
const NONCE = 0x0123_4567_89ab_cdefn
const requests = (answered: bigint[] = []): OutstandingRequests => ({
  destination: (nonce) => (nonce === NONCE ? server : undefined),
  answered: (nonce) => answered.includes(nonce),
})
const classify = (packet: NtpPacket | Uint8Array, from = server, outstanding = requests()) => classifyDatagram(packet instanceof Uint8Array ? packet : encodePacket(packet), from, 42n, outstanding)

t.test('a good reply, in every version we speak, from a captured chronyd reply too', async (t) => {
  for (const version of [1, 2, 3, 4]) {
    const outcome = classify(replyTo(NONCE, { version }))
    t.equal(outcome.kind, 'reply', `v${version}`)
    t.equal(outcome.kind === 'reply' && outcome.nonce, NONCE)
  }
  const captured = readHexFixture('chronyd-4.3-v4-reply.hex')
  const nonce = decodePacket(captured).originTime
  const outcome = classifyDatagram(captured, server, 1n, { destination: (n) => (n === nonce ? server : undefined), answered: () => false })
  t.equal(outcome.kind, 'reply')
})

t.test('"is this a reply to me?": each failure is ignored with its own reason', async (t) => {
  t.same(classify(Uint8Array.of(1, 2, 3)), { kind: 'ignored', reason: { kind: 'malformed', detail: 'packet too short: 3 bytes, need 48' } })
  t.same(classify(replyTo(NONCE + 1n)), { kind: 'ignored', reason: { kind: 'unknown-origin' } })
  t.same(classify(replyTo(NONCE + 1n), server, requests([NONCE + 1n])), { kind: 'ignored', reason: { kind: 'duplicate' } })
  t.same(classify(replyTo(NONCE), { address: '192.0.2.9', port: 123 }), { kind: 'ignored', reason: { kind: 'wrong-source', from: '192.0.2.9:123' } })
  t.same(classify(replyTo(NONCE), { address: '192.0.2.1', port: 124 }), { kind: 'ignored', reason: { kind: 'wrong-source', from: '192.0.2.1:124' } })
  for (const version of [0, 5, 7]) t.same(classify(replyTo(NONCE, { version })), { kind: 'ignored', reason: { kind: 'bad-version', version } })
  for (const mode of [0, 1, 2, 3, 5, 6, 7] as const) {
    t.same(classify(replyTo(NONCE, { mode })), { kind: 'ignored', reason: { kind: 'not-server-mode', mode } }, `mode ${mode}`)
  }
  t.same(classify(replyTo(NONCE, { receiveTime: 0n })), { kind: 'ignored', reason: { kind: 'zero-receive-time' } })
  t.same(classify(replyTo(NONCE, { transmitTime: 0n })), { kind: 'ignored', reason: { kind: 'zero-transmit-time' } })
})

t.test('a kiss is trusted only once the origin and source match; it needs no timestamps', async (t) => {
  const bare = { ...kissOfDeath(NONCE, 'RATE'), receiveTime: 0n, transmitTime: 0n, referenceTime: 0n }
  t.same(classify(bare), { kind: 'kiss', nonce: NONCE, kiss: { code: 'RATE', action: 'rate-limit', receivedAtNanos: 42n } })
  t.same(classify(kissOfDeath(NONCE, 'DENY')), { kind: 'kiss', nonce: NONCE, kiss: { code: 'DENY', action: 'withdraw', receivedAtNanos: 42n } })
  t.same(classify(kissOfDeath(NONCE, 'RSTR')), { kind: 'kiss', nonce: NONCE, kiss: { code: 'RSTR', action: 'withdraw', receivedAtNanos: 42n } })
  t.same(
    classify({ ...kissOfDeath(NONCE, 'ZZZZ'), receiveTime: 0n }),
    { kind: 'kiss', nonce: NONCE, kiss: { code: 'ZZZZ', action: 'note', receivedAtNanos: 42n } },
    'an unknown code: a kiss all the same, never a time',
  )
  t.same(classify(kissOfDeath(NONCE + 1n, 'DENY')), { kind: 'ignored', reason: { kind: 'unknown-origin' } }, 'a forged kiss is ignored')
  t.same(classify(kissOfDeath(NONCE, 'DENY'), { address: '192.0.2.9', port: 123 }).kind, 'ignored')
  t.same(classify({ ...kissOfDeath(NONCE, 'DENY'), mode: NtpMode.Client }).kind, 'ignored', 'a kiss must be a server reply')
})

t.test('an IPv6 zone chose the interface, it is not part of the match', async (t) => {
  const linkLocal = { address: 'fe80::1%eth0', port: 123 }
  const outstanding: OutstandingRequests = { destination: () => linkLocal, answered: () => false }
  t.equal(classify(replyTo(NONCE), { address: 'fe80::1', port: 123 }, outstanding).kind, 'reply')
})
