/**
 * A UDP relay standing in for netem (this kernel has none): listens on an address and port,
 * forwards each datagram to a target from a socket of its own per client, and sends the target's
 * replies back from the listening socket, so the client sees them come from where it sent.
 * Each direction has its own delay range (uniform jitter), loss and duplication, drawn from a
 * seeded PRNG: the same seed and the same traffic lose and delay the same datagrams.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import type { Teardown } from './teardown.js'
import { seededRandom } from './seeded-random.js'

export interface PathSettings {
  /** each datagram waits a uniform random time in [min, max] ms (default [0, 0]) */
  delayMs?: readonly [number, number]
  /** probability that a datagram is dropped (default 0) */
  loss?: number
  /** probability that a datagram that got through is sent twice, each copy with its own delay (default 0) */
  duplicate?: number
}

export interface RelayOptions {
  address: string
  /** default 0: the kernel picks */
  port?: number
  target: { address: string; port: number }
  /** client → target */
  toTarget?: PathSettings
  /** target → client */
  toClient?: PathSettings
  seed: number
}

export interface PathCounts {
  received: number
  dropped: number
  duplicated: number
}

export interface Relay {
  address: string
  port: number
  /** `ADDR:PORT` */
  spec: string
  counts: { toTarget: PathCounts; toClient: PathCounts }
  /** From now on, draw from `seed` (and seed + 1 the other way), as if just started with it. */
  reseed(seed: number): void
  close(): Promise<void>
}

interface Path {
  (bytes: Uint8Array, send: (bytes: Uint8Array) => void): void
  reseed(seed: number): void
}

/** One direction: its own PRNG (seed + n), so traffic in one direction never shifts the other's draws. */
function path(settings: PathSettings, seed: number, counts: PathCounts, timers: Set<NodeJS.Timeout>): Path {
  let random = seededRandom(seed)
  const [min, max] = settings.delayMs ?? [0, 0]
  const delay = () => min + random() * (max - min)
  const later = (bytes: Uint8Array, ms: number, send: (bytes: Uint8Array) => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      send(bytes)
    }, ms)
    timers.add(timer)
  }
  const relay = (bytes: Uint8Array, send: (bytes: Uint8Array) => void) => {
    counts.received++
    // Four draws for every datagram, used or not: its fate depends only on its place in the sequence.
    const [lost, twice, first, second] = [random() < (settings.loss ?? 0), random() < (settings.duplicate ?? 0), delay(), delay()]
    if (lost) return void counts.dropped++
    later(bytes, first, send)
    if (twice) {
      counts.duplicated++
      later(bytes, second, send)
    }
  }
  return Object.assign(relay, { reseed: (next: number) => void (random = seededRandom(next)) })
}

export async function startRelay(t: Teardown, options: RelayOptions): Promise<Relay> {
  const timers = new Set<NodeJS.Timeout>()
  const counts = { toTarget: newCounts(), toClient: newCounts() }
  const toTarget = path(options.toTarget ?? {}, options.seed, counts.toTarget, timers)
  const toClient = path(options.toClient ?? {}, options.seed + 1, counts.toClient, timers)
  const listening = await bound(options.address, options.port ?? 0)
  /** one upstream socket per client address and port */
  const upstreams = new Map<string, Promise<Socket>>()
  const quiet = () => {} // a send to a vanished client or target is just a lost datagram

  const upstreamFor = (client: RemoteInfo): Promise<Socket> => {
    const key = `${client.address} ${client.port}`
    let upstream = upstreams.get(key)
    if (!upstream) {
      upstream = bound(options.address, 0).then((socket) => socket.on('message', (reply) => toClient(new Uint8Array(reply), (bytes) => listening.send(bytes, client.port, client.address, quiet))))
      upstreams.set(key, upstream)
    }
    return upstream
  }

  listening.on('message', (request, client) => {
    const forward = upstreamFor(client)
    toTarget(new Uint8Array(request), (bytes) => void forward.then((socket) => socket.send(bytes, options.target.port, options.target.address, quiet)))
  })

  let closed: Promise<void> | undefined
  const close = () => {
    closed ??= (async () => {
      timers.forEach(clearTimeout)
      const sockets = [listening, ...(await Promise.all(upstreams.values()))]
      await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
    })()
    return closed
  }
  t.teardown(close)
  const port = listening.address().port
  const reseed = (seed: number) => {
    toTarget.reseed(seed)
    toClient.reseed(seed + 1)
  }
  return { address: options.address, port, spec: `${options.address}:${port}`, counts, reseed, close }
}

function newCounts(): PathCounts {
  return { received: 0, dropped: 0, duplicated: 0 }
}

function bound(address: string, port: number): Promise<Socket> {
  const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4')
  socket.on('error', () => {}) // ICMP port unreachable and the like: a lost datagram
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, address, () => {
      socket.off('error', reject)
      resolve(socket)
    })
  })
}
