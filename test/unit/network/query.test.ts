/**
 * src/network/query.ts on virtual time (test/helpers/fake-timers.ts): exact times and counts, not
 * wall-clock windows. Servers are scripted in-process: a reply after a fixed delay, or none.
 */
import t from 'tap'
import { queryServers, type QueryEvent, type QuerySettings } from '../../../src/network/query.js'
import type { DatagramListener, Endpoint } from '../../../src/ports.js'
import type { Server } from '../../../src/ntp/endpoint.js'
import { serverReply } from '../../helpers/fake-system.js'
import { fakeTime } from '../../helpers/fake-timers.js'

const MS = 1_000_000n

/** address → one-way delay in ms; a server not listed never answers */
function network(time: ReturnType<typeof fakeTime>, delays: Record<string, number>) {
  const sentAt: string[] = []
  return {
    sentAt,
    openSocket: async (_family: 4 | 6, listener: DatagramListener) => ({
      async send(bytes: Uint8Array, to: Endpoint) {
        sentAt.push(`${to.address} @${time.elapsedNanos() / MS} ms`)
        const delay = delays[to.address]
        if (delay === undefined) return
        time.timers.after(delay, () => {
          const reply = serverReply(bytes, time.clock.nowNanos(), 2)
          time.timers.after(delay, () => listener(reply, { address: to.address, port: to.port }, time.clock.nowNanos()))
        })
      },
      async close() {},
    }),
  }
}

function server(address: string): Server {
  return { name: address, address, port: 123, family: 4 }
}

async function query(addresses: string[], delays: Record<string, number>, settings: Partial<QuerySettings> = {}) {
  const time = fakeTime()
  const net = network(time, delays)
  const events: QueryEvent[] = []
  const observations = await time.run(
    queryServers(
      addresses.map(server),
      { samples: 4, gapSeconds: 2, timeoutSeconds: 1, ntpVersion: 4, ...settings },
      {
        clock: time.clock,
        openSocket: net.openSocket,
        randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
        timers: time.timers,
        onEvent: (e) => events.push(e),
      },
    ),
  )
  return { observations, events, sentAt: net.sentAt, endedAtMs: time.elapsedNanos() / MS }
}

t.test('four samples from a server 10 ms away: one request every --gap, done with the fourth reply', async (t) => {
  const r = await query(['10.0.0.1'], { '10.0.0.1': 5 })
  t.same(r.sentAt, ['10.0.0.1 @0 ms', '10.0.0.1 @2000 ms', '10.0.0.1 @4000 ms', '10.0.0.1 @6000 ms'])
  t.equal(r.observations[0]?.replies.length, 4)
  t.ok(
    r.observations[0]?.replies.every((s) => Math.abs(s.delay - 0.00999) < 1e-9),
    'each delay 10 ms less the 10 µs the server holds it, exactly',
  )
  t.equal(r.endedAtMs, 6010n, 'the run ends as the last reply arrives')
})

t.test('a server that never answers: each request times out after -t, exactly; the run ends with the last timeout', async (t) => {
  const r = await query(['10.0.0.9'], {}, { samples: 2, timeoutSeconds: 1 })
  const timeouts = r.events.filter((e) => e.kind === 'timeout').length
  t.equal(timeouts, r.sentAt.length, 'every request timed out, once')
  t.equal(r.observations[0]?.replies.length, 0)
  const lastSent = Number(/@(\d+) ms/.exec(r.sentAt.at(-1) ?? '')?.[1])
  t.equal(r.endedAtMs, BigInt(lastSent + 1000), 'ended -t after its last request')
})

t.test('a live and a dead server at once: the live one is not held up by the dead one', async (t) => {
  const r = await query(['10.0.0.1', '10.0.0.9'], { '10.0.0.1': 5 }, { samples: 1 })
  t.equal(r.observations[0]?.replies.length, 1)
  t.ok(r.sentAt.includes('10.0.0.1 @0 ms') && r.sentAt.includes('10.0.0.9 @0 ms'), 'both asked at once')
  t.equal(r.events.filter((e) => e.kind === 'reply').length, 1)
})

t.test('a reply after its timeout is not counted: the request was retired once, by the timeout', async (t) => {
  const r = await query(['10.0.0.2'], { '10.0.0.2': 600 }, { samples: 1, timeoutSeconds: 1 })
  t.equal(r.observations[0]?.replies.length, 0, 'the 1.2 s reply came after the 1 s timeout')
  t.ok(r.events.some((e) => e.kind === 'timeout'))
  t.notOk(r.events.some((e) => e.kind === 'reply'))
})
