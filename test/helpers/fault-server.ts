/**
 * A scripted NTP server with one named fault, for the fault tests: a script server (loopback,
 * port 0) that answers every request the way its mode says. Every request it got stays in
 * `requests`, so a test can check that none came after a kiss-o'-death.
 */
import { libcClock } from '../../src/io/kernel/clock-libc.js'
import { HEADER_LENGTH, LeapIndicator, NtpMode, type NtpPacket } from '../../src/ntp/packet.js'
import { ntpFromUnixNanos, type NtpTimestamp } from '../../src/ntp/timestamp.js'
import type { Teardown } from './teardown.js'
import { replyTo, startScriptServer, type ScriptServer } from './script-server.js'
import { seededBytes, seededRandom } from './seeded-random.js'
import { sleep } from './waiting.js'

export interface FaultOptions {
  /** 'slow': wait this long before replying, as a slow path would (default 1000 ms) */
  delayMs?: number
  /** every reply's clock runs this far ahead (default 0; 'shifted': 10 s) */
  shiftSeconds?: number
  /** answer the first N requests correctly, then start the fault (default 0) */
  correctFirst?: number
  /** seed of the bytes of 'garbage' (default 1) */
  seed?: number
}

export interface FaultServer extends ScriptServer {
  mode: FaultMode
  /** `ADDR:PORT`, as given on the command line and as tsntpdate prints it */
  spec: string
}

type Changes = Partial<NtpPacket> | ((now: NtpTimestamp) => Partial<NtpPacket>)

interface Exchange {
  /** a correct reply to this request (server time read now, plus the shift), with `changes` */
  reply(changes?: Changes): Uint8Array
  /** from the listening socket: the right source */
  send(bytes: Uint8Array): Promise<void>
  /** from another socket on the same address: the wrong source port */
  sendFromOtherPort(bytes: Uint8Array): Promise<void>
  options: FaultOptions
  random: () => number
}

const SECOND = 1n << 32n
const DAY_SECONDS = 86_400n
/** the largest UDP payload over IPv4 */
const MAX_DATAGRAM = 65_507

/** RFC 5905 §7.4: leap 3, stratum 0, and the kiss code as the reference id. */
const kiss = (code: string): Partial<NtpPacket> => ({
  leap: LeapIndicator.Unsynchronized,
  stratum: 0,
  referenceId: [...code.padEnd(4, '\0')].reduce((id, c) => id * 256 + c.charCodeAt(0), 0),
})

function withTrailer(reply: Uint8Array, trailer: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(reply.length + trailer.length)
  bytes.set(reply)
  bytes.set(trailer, reply.length)
  return bytes
}

/**
 * An extension field header claiming 4096 bytes where 28 follow (RFC 7822 §7.5 wants the length to
 * fit). 28 bytes, so the trailer cannot pass for a 20- or 24-byte MAC.
 */
function badExtension(): Uint8Array {
  const field = new Uint8Array(28)
  new DataView(field.buffer).setUint16(0, 0x0104) // a type of no meaning to anyone
  new DataView(field.buffer).setUint16(2, 4096)
  return field
}

const FAULTS = {
  good: (x: Exchange) => x.send(x.reply()),
  'kod-deny': (x: Exchange) => x.send(x.reply(kiss('DENY'))),
  'kod-rstr': (x: Exchange) => x.send(x.reply(kiss('RSTR'))),
  'kod-rate': (x: Exchange) => x.send(x.reply(kiss('RATE'))),
  // a kiss as bare as RFC 5905 §7.4 allows: no receive or transmit timestamp
  'kod-rate-bare': (x: Exchange) => x.send(x.reply({ ...kiss('RATE'), receiveTime: 0n, transmitTime: 0n })),
  // right source, but the origin is not the nonce we sent (an off-path attacker's guess)
  'forged-origin': (x: Exchange) => x.send(x.reply((now) => ({ originTime: now ^ 0x5a5a_5a5an }))),
  'other-port': (x: Exchange) => x.sendFromOtherPort(x.reply()),
  'zero-transmit': (x: Exchange) => x.send(x.reply({ transmitTime: 0n })),
  // 61 bytes: a 13-byte trailer can be neither an extension field nor a MAC, whatever the bytes
  garbage: (x: Exchange) => x.send(seededBytes(x.random, 61)),
  short: (x: Exchange) => x.send(x.reply().slice(0, 40)),
  'bad-extension': (x: Exchange) => x.send(withTrailer(x.reply(), badExtension())),
  oversized: (x: Exchange) => x.send(withTrailer(x.reply(), new Uint8Array(MAX_DATAGRAM - HEADER_LENGTH))),
  'client-mode': (x: Exchange) => x.send(x.reply({ mode: NtpMode.Client })),
  'wrong-version': (x: Exchange) => x.send(x.reply({ version: 0 })),
  'leap-3': (x: Exchange) => x.send(x.reply({ leap: LeapIndicator.Unsynchronized })),
  'stratum-16': (x: Exchange) => x.send(x.reply({ stratum: 16 })),
  'stratum-0': (x: Exchange) => x.send(x.reply(kiss('ZZZZ'))),
  // the delay is on the path: the server stamps receive and transmit when it finally answers
  slow: async (x: Exchange) => {
    await sleep(x.options.delayMs ?? 1000)
    await x.send(x.reply())
  },
  silent: async () => {},
  duplicate: async (x: Exchange) => {
    const reply = x.reply()
    await x.send(reply)
    await x.send(reply)
  },
  shifted: (x: Exchange) => x.send(x.reply()),
  'future-reference': (x: Exchange) => x.send(x.reply((now) => ({ referenceTime: now + 3600n * SECOND }))),
  'stale-reference': (x: Exchange) => x.send(x.reply((now) => ({ referenceTime: now - 2n * DAY_SECONDS * SECOND }))),
  'huge-root-distance': (x: Exchange) => x.send(x.reply({ rootDispersion: 2 })),
  'transmit-before-receive': (x: Exchange) => x.send(x.reply((now) => ({ transmitTime: now - SECOND / 1000n }))),
} satisfies Record<string, (x: Exchange) => Promise<void>>

export type FaultMode = keyof typeof FAULTS
export const FAULT_MODES = Object.keys(FAULTS) as FaultMode[]

export async function startFaultServer(t: Teardown, address: string, mode: FaultMode, options: FaultOptions = {}): Promise<FaultServer> {
  const shiftNanos = BigInt(Math.round((options.shiftSeconds ?? (mode === 'shifted' ? 10 : 0)) * 1e9))
  const random = seededRandom(options.seed ?? 1)
  const server = await startScriptServer(t, address, (request, from, s) => {
    const x: Exchange = {
      reply(changes = {}) {
        const now = ntpFromUnixNanos(libcClock.nowNanos() + shiftNanos)
        const changed = typeof changes === 'function' ? changes(now) : changes
        return replyTo(request, { referenceTime: now - SECOND, receiveTime: now, transmitTime: now, ...changed })
      },
      send: (bytes) => s.send(bytes, from),
      sendFromOtherPort: (bytes) => s.sendFrom({}, bytes, from),
      options,
      random,
    }
    const answered = s.requests.length - 1 // this request is already in the list
    return answered < (options.correctFirst ?? 0) ? FAULTS.good(x) : FAULTS[mode](x)
  })
  return Object.assign(server, { mode, spec: `${address}:${server.port}` })
}
