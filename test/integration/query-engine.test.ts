/**
 * src/network/query.ts queryServers, with the real UDP opener and the libc clock, against scripted servers.
 * Address block of this file: 127.0.3.x, ports chosen by the kernel (port 0).
 */
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { libcClock } from '../../src/io/kernel/clock-libc.js'
import { udpSocketOpener } from '../../src/io/net/udp.js'
import { decodePacket, NtpMode } from '../../src/ntp/packet.js'
import type { IgnoredReason } from '../../src/ntp/ignored.js'
import { queryServers, type QueryEvent, type QuerySettings } from '../../src/network/query.js'
import type { Server } from '../../src/ntp/endpoint.js'
import { replyTo, startScriptServer, type Handler, type ScriptServer } from '../helpers/script-server.js'
import type { Teardown } from '../helpers/teardown.js'

const ADDRESS = '127.0.3.1'
const OTHER_ADDRESS = '127.0.3.2'

interface Run {
  observations: Awaited<ReturnType<typeof queryServers>>
  events: QueryEvent[]
  seconds: number
}

async function run(servers: readonly Server[], settings: Partial<QuerySettings> = {}): Promise<Run> {
  const events: QueryEvent[] = []
  const started = process.hrtime.bigint()
  const observations = await queryServers(
    servers,
    { samples: 1, gapSeconds: 0.1, timeoutSeconds: 1, ntpVersion: 4, ...settings },
    {
      clock: libcClock,
      openSocket: udpSocketOpener(libcClock),
      randomBytes: (count) => randomBytes(count),
      onEvent: (event) => events.push(event),
    },
  )
  return { observations, events, seconds: Number(process.hrtime.bigint() - started) / 1e9 }
}

function ignored(events: readonly QueryEvent[]): Array<{ from: { address: string; port: number }; reject: IgnoredReason }> {
  return events.flatMap((e) => (e.kind === 'ignored' ? [{ from: e.from, reject: e.reason }] : []))
}

const count = (events: readonly QueryEvent[], kind: QueryEvent['kind']) => events.filter((e) => e.kind === kind).length

function scripted(t: Teardown, handler: Handler): Promise<ScriptServer> {
  return startScriptServer(t, ADDRESS, handler)
}

t.test('a correct reply counts as a sample', async (t) => {
  const server = await scripted(t, (request, from, s) => s.send(replyTo(request), from))
  const { observations, events, seconds } = await run([server.server])
  t.equal(observations.length, 1)
  const samples = observations[0]!.replies
  t.equal(samples.length, 1, 'one sample')
  t.equal(samples[0]?.stratum, 2)
  t.ok(Math.abs(samples[0]?.offset ?? 1) < 0.005, `offset ${samples[0]?.offset} ≈ 0 (same clock)`)
  t.ok((samples[0]?.delay ?? 1) < 0.05, `delay ${samples[0]?.delay} is a loopback delay`)
  t.same(
    events.map((e) => e.kind),
    ['sent', 'reply'],
    'sent, then sample',
  )
  t.same(ignored(events), [], 'nothing ignored')
  t.ok(seconds < 0.5, `the run ends as soon as every request is answered (${seconds.toFixed(3)} s)`)
  // the request itself: a client-mode packet whose transmit is the nonce of the 'sent' event
  const request = decodePacket(server.requests[0]!.bytes)
  t.equal(request.mode, NtpMode.Client)
  const sent = events.find((e) => e.kind === 'sent')
  t.equal(sent?.kind === 'sent' ? sent.nonce : undefined, request.transmitTime, 'the nonce is the transmit timestamp')
})

/** Each bad reply, first alone (nothing counts, the request times out), then followed by a good one. */
const BAD_REPLIES: ReadonlyArray<{
  name: string
  kind: IgnoredReason['kind']
  send: (request: Uint8Array, from: Parameters<Handler>[1], s: ScriptServer) => Promise<void>
  /** the source the engine must report for the ignored datagram */
  source?: (s: ScriptServer) => { address: string; port?: number }
  check?: (t: Test, reject: IgnoredReason) => void
}> = [
  {
    name: 'a wrong origin (not our nonce)',
    kind: 'unknown-origin',
    send: (request, from, s) => s.send(replyTo(request, { originTime: decodePacket(request).transmitTime ^ 0xffn }), from),
  },
  {
    name: 'a correct reply from another source port',
    kind: 'wrong-source',
    send: (request, from, s) => s.sendFrom({}, replyTo(request), from),
    source: (s) => ({ address: s.address }),
  },
  {
    name: 'a correct reply from another address, same port',
    kind: 'wrong-source',
    send: (request, from, s) => s.sendFrom({ address: OTHER_ADDRESS, port: s.port }, replyTo(request), from),
    source: (s) => ({ address: OTHER_ADDRESS, port: s.port }),
  },
  {
    name: 'a client-mode (3) reply',
    kind: 'not-server-mode',
    send: (request, from, s) => s.send(replyTo(request, { mode: NtpMode.Client }), from),
    check: (t, reject) => t.equal(reject.kind === 'not-server-mode' ? reject.mode : undefined, 3, 'mode 3 reported'),
  },
  {
    name: 'a zero transmit timestamp',
    kind: 'zero-transmit-time',
    send: (request, from, s) => s.send(replyTo(request, { transmitTime: 0n }), from),
  },
  {
    name: '10 bytes of garbage',
    kind: 'malformed',
    send: (_request, from, s) => s.send(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), from),
  },
]

for (const bad of BAD_REPLIES) {
  t.test(`${bad.name} is ignored: '${bad.kind}'`, async (t) => {
    t.test('alone: no sample, the request times out', async (t) => {
      const server = await scripted(t, (request, from, s) => bad.send(request, from, s))
      const { observations, events } = await run([server.server], { timeoutSeconds: 0.4 })
      t.equal(observations[0]!.replies.length, 0, 'no sample')
      const rejects = ignored(events)
      t.equal(rejects.length, 1, 'one ignored datagram')
      t.equal(rejects[0]?.reject.kind, bad.kind, `reject kind '${bad.kind}'`)
      const source = bad.source?.(server) ?? { address: server.address, port: server.port }
      t.equal(rejects[0]?.from.address, source.address, 'reported with its source address')
      if (source.port !== undefined) t.equal(rejects[0]?.from.port, source.port, 'and port')
      else t.not(rejects[0]?.from.port, server.port, 'from another port')
      if (rejects[0]) bad.check?.(t, rejects[0].reject)
      t.equal(count(events, 'timeout'), 1, 'the request timed out')
    })
    t.test('followed by a correct reply: that one is the sample', async (t) => {
      const server = await scripted(t, async (request, from, s) => {
        await bad.send(request, from, s)
        await s.send(replyTo(request), from)
      })
      const { observations, events } = await run([server.server], { timeoutSeconds: 2 })
      t.equal(observations[0]!.replies.length, 1, 'one sample')
      t.same(
        ignored(events).map((i) => i.reject.kind),
        [bad.kind],
        `only the bad datagram ignored, as '${bad.kind}' (the good one is not a duplicate)`,
      )
      t.same(
        events.map((e) => e.kind),
        ['sent', 'ignored', 'reply'],
      )
      t.equal(count(events, 'timeout'), 0, 'no timeout')
    })
  })
}

t.test("a duplicate of a correct reply is ignored: 'duplicate'", async (t) => {
  // Two samples 0.3 s apart: the first request's reply comes twice while the run is still going.
  const server = await scripted(t, async (request, from, s) => {
    const reply = replyTo(request)
    await s.send(reply, from)
    if (s.requests.length === 1) await s.send(reply, from)
  })
  const { observations, events } = await run([server.server], { samples: 2, gapSeconds: 0.3 })
  t.equal(server.requests.length, 2, 'two requests')
  t.equal(observations[0]!.replies.length, 2, 'two samples, not three')
  t.same(
    ignored(events).map((i) => i.reject.kind),
    ['duplicate'],
  )
  t.same(
    events.map((e) => e.kind),
    ['sent', 'reply', 'ignored', 'sent', 'reply'],
  )
})

t.test('3 samples with gap 0.1 s: 3 requests ~0.1 s apart', async (t) => {
  const [a, b] = await Promise.all([scripted(t, (request, from, s) => s.send(replyTo(request), from)), scripted(t, (request, from, s) => s.send(replyTo(request), from))])
  const { observations, events, seconds } = await run([a!.server, b!.server], { samples: 3, gapSeconds: 0.1 })
  for (const server of [a!, b!]) {
    t.equal(server.requests.length, 3, `3 requests to port ${server.port}`)
    const nonces = server.requests.map((r) => decodePacket(r.bytes).transmitTime)
    t.equal(new Set(nonces).size, 3, 'each with its own nonce')
    const first = server.requests[0]!.atMonotonicNanos
    const offsets = server.requests.map((r) => Number(r.atMonotonicNanos - first) / 1e9)
    t.comment(`port ${server.port}: requests at +${offsets.map((s) => s.toFixed(4)).join(', +')} s`)
    for (let i = 1; i < offsets.length; i++) {
      const spacing = offsets[i]! - offsets[i - 1]!
      t.ok(spacing >= 0.09 && spacing < 0.18, `request ${i + 1} comes ${spacing.toFixed(4)} s after request ${i} (~0.1 s)`)
    }
  }
  t.same(
    observations.map((o) => o.replies.length),
    [3, 3],
    '3 samples per server',
  )
  t.equal(count(events, 'sent'), 6)
  t.ok(seconds >= 0.19 && seconds < 0.5, `the run spans the gaps and ends with the last reply (${seconds.toFixed(3)} s)`)
})

t.test('a silent server: the run ends after about the timeout', async (t) => {
  for (const { timeout, samples, gap } of [
    { timeout: 0.5, samples: 1, gap: 0 },
    { timeout: 0.5, samples: 2, gap: 0.2 },
  ]) {
    const server = await scripted(t, () => {})
    const { observations, events, seconds } = await run([server.server], {
      timeoutSeconds: timeout,
      samples,
      gapSeconds: gap,
    })
    const expected = (samples - 1) * gap + timeout
    t.comment(`silent server, ${samples} sample(s), gap ${gap} s, timeout ${timeout} s: run took ${seconds.toFixed(3)} s`)
    t.equal(server.requests.length, samples, `${samples} request(s) arrived`)
    t.equal(observations[0]!.replies.length, 0, 'no sample')
    t.equal(count(events, 'timeout'), samples, 'every request timed out')
    t.ok(seconds >= expected - 0.02, `not before the last timeout (${seconds.toFixed(3)} s >= ${expected} s)`)
    t.ok(seconds < expected + 0.5, `ends within 0.5 s of it (${seconds.toFixed(3)} s < ${expected + 0.5} s)`)
  }
})

t.test('a silent server does not hold up the answer of a live one beyond the timeout', async (t) => {
  const live = await scripted(t, (request, from, s) => s.send(replyTo(request), from))
  const silent = await scripted(t, () => {})
  const { observations, seconds } = await run([live.server, silent.server], { timeoutSeconds: 0.5 })
  t.same(
    observations.map((o) => o.replies.length),
    [1, 0],
  )
  t.ok(seconds < 1, `${seconds.toFixed(3)} s`)
})

t.test('-p counts answers: a server that drops every other request still gives -p replies, from at most 2·-p requests', async (t) => {
  let seen = 0
  const server = await scripted(t, (request, from, s) => (seen++ % 2 === 0 ? Promise.resolve() : s.send(replyTo(request), from)))
  const { observations, events } = await run([server.server], { samples: 3, gapSeconds: 0.05, timeoutSeconds: 0.3 })
  t.equal(observations[0]!.replies.length, 3, 'three replies')
  t.equal(server.requests.length, 6, 'six requests: three were dropped')
  t.equal(count(events, 'timeout'), 3)
})

t.test('a kiss is obeyed and never a reply: RATE without timestamps stops the requests', async (t) => {
  const server = await scripted(t, (request, from, s) => s.send(replyTo(request, { stratum: 0, referenceId: 0x52415445, receiveTime: 0n, transmitTime: 0n, referenceTime: 0n }), from))
  const { observations, events } = await run([server.server], { samples: 4, gapSeconds: 0.05 })
  t.same(observations[0]!.replies, [], 'no sample')
  t.same(
    observations[0]!.kisses.map((k) => k.code),
    ['RATE'],
  )
  t.equal(server.requests.length, 1, 'no request after the kiss')
  t.equal(count(events, 'kiss'), 1)
})
