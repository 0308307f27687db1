/**
 * The query loop, the only place that talks NTP over the network: every server gets `samples`
 * requests spaced `gapSeconds` apart, all servers at once; each request waits at most
 * `timeoutSeconds`. The run ends as soon as every request is answered or has timed out.
 */
import { checkReply, newRequest } from '../ntp/exchange.js'
import { kissCodeOf, type KissCode } from '../ntp/kiss.js'
import { decodePacket, PacketParseError } from '../ntp/packet.js'
import type { Reject } from '../ntp/reject.js'
import { toSample, type Sample } from '../ntp/sample.js'
import type { NtpTimestamp } from '../ntp/timestamp.js'
import type { ClockReader, DatagramSocket, Endpoint, OpenSocket, RandomBytes, StampSource } from '../io/ports.js'
import type { ServerObservation } from '../select/select.js'
import { withoutZone, type AddressFamily, type Server } from '../config/server.js'

export interface QuerySettings {
  samples: number
  gapSeconds: number
  timeoutSeconds: number
  version: number
}

export type QueryEvent =
  | { kind: 'sent'; server: Server; nonce: NtpTimestamp }
  | { kind: 'send-failed'; server: Server; error: string }
  | { kind: 'sample'; server: Server; sample: Sample; stampedBy?: { sent: StampSource; received: StampSource } }
  | { kind: 'timeout'; server: Server }
  | { kind: 'ignored'; from: Endpoint; reject: Reject }
  | { kind: 'kiss'; server: Server; code: KissCode }

export interface QueryDeps {
  clock: ClockReader
  openSocket: OpenSocket
  randomBytes: RandomBytes
  onEvent?: (event: QueryEvent) => void
}

interface Pending {
  server: Server
  observation: ServerObservation
  sentAtNanos: bigint
  sentBy: StampSource
  timer: NodeJS.Timeout
}

export async function queryServers(
  servers: readonly Server[],
  settings: QuerySettings,
  deps: QueryDeps,
): Promise<ServerObservation[]> {
  const observations = servers.map((server): ServerObservation => ({ server, samples: [] }))
  const pending = new Map<NtpTimestamp, Pending>()
  const answered = new Set<NtpTimestamp>()
  /** servers that sent a kiss we obey: no more requests to them (RFC 5905 §7.4) */
  const kissed = new Set<ServerObservation>()
  const emit = deps.onEvent ?? (() => {})
  let unsent = servers.length * settings.samples
  let finish: () => void = () => {}
  const finished = new Promise<void>((resolve) => (finish = resolve))
  const settle = () => {
    if (unsent === 0 && pending.size === 0) finish()
  }

  const onDatagram = (bytes: Uint8Array, from: Endpoint, receivedAtNanos: bigint, receivedBy: StampSource = 'process') => {
    const outcome = matchReply(bytes, from, pending, answered)
    if ('reject' in outcome) return emit({ kind: 'ignored', from, reject: outcome.reject })
    const { request, nonce } = outcome
    clearTimeout(request.timer)
    pending.delete(nonce)
    answered.add(nonce)
    const sample = toSample(outcome.packet, request.sentAtNanos, receivedAtNanos)
    request.observation.samples.push(sample)
    emit({ kind: 'sample', server: request.server, sample, stampedBy: { sent: request.sentBy, received: receivedBy } })
    const code = kissCodeOf(outcome.packet)
    if (code) {
      kissed.add(request.observation)
      emit({ kind: 'kiss', server: request.server, code })
    }
    settle()
  }

  const sockets = await openSockets(servers, deps.openSocket, onDatagram)
  const sendOne = (observation: ServerObservation) => {
    const { server } = observation
    if (kissed.has(observation)) {
      unsent--
      return settle()
    }
    const socket = sockets.get(server.family)!
    if (socket instanceof Error) {
      unsent--
      return emit({ kind: 'send-failed', server, error: `no IPv${server.family} socket: ${socket.message}` })
    }
    const { bytes, nonce } = newRequest(deps.randomBytes(8), settings.version)
    const timer = setTimeout(() => {
      pending.delete(nonce)
      emit({ kind: 'timeout', server })
      settle()
    }, settings.timeoutSeconds * 1000)
    unsent--
    emit({ kind: 'sent', server, nonce })
    // No reply can be handled before this function returns, so the request may be recorded after
    // the send: nothing but the clock read stands between T1 and the sendto(2) (see io/udp.ts).
    // The kernel's own departure time, when it has one, is the better T1 (io/kernel-stamp.ts).
    const readBeforeNanos = deps.clock.nowNanos()
    const sending = socket.send(bytes, server)
    const departedAtNanos = socket.kernelSendTime?.(readBeforeNanos)
    const sentBy = departedAtNanos === undefined ? 'process' : 'kernel'
    pending.set(nonce, { server, observation, sentAtNanos: departedAtNanos ?? readBeforeNanos, sentBy, timer })
    sending.catch((error: unknown) => {
      clearTimeout(timer)
      pending.delete(nonce)
      emit({ kind: 'send-failed', server, error: asError(error).message })
      settle()
    })
  }

  // Requests still waiting for a reply that went out less than IN_FLIGHT_NANOS ago (see sendPaced).
  const room = () => {
    const since = deps.clock.nowNanos() - IN_FLIGHT_NANOS
    let waiting = 0
    for (const request of pending.values()) if (request.sentAtNanos > since) waiting++
    return MAX_IN_FLIGHT - waiting
  }
  for (let round = 0; round < settings.samples; round++) {
    const sendRound = () => sendPaced(observations, sendOne, room)
    if (round === 0) sendRound()
    else setTimeout(sendRound, round * settings.gapSeconds * 1000)
  }
  settle()
  await finished
  await Promise.all([...sockets.values()].map((s) => (s instanceof Error ? undefined : s.close())))
  return observations
}

async function openSockets(
  servers: readonly Server[],
  open: OpenSocket,
  onDatagram: Parameters<OpenSocket>[1],
): Promise<Map<AddressFamily, DatagramSocket | Error>> {
  const families = [...new Set(servers.map((s) => s.family))]
  const opened = await Promise.allSettled(families.map((family) => open(family, onDatagram)))
  return new Map(
    families.map((family, i) => {
      const result = opened[i]!
      return [family, result.status === 'fulfilled' ? result.value : asError(result.reason)]
    }),
  )
}

/**
 * Pacing for many servers: at most SEND_BATCH requests per turn of the event loop, so that replies
 * are read in between (libuv reads up to 32 datagrams per socket per turn), and at most
 * MAX_IN_FLIGHT requests waiting for a reply at once, so that a burst of replies (or of requests
 * at one busy server) stays well within a socket's receive buffer (Linux's default holds ~250
 * datagrams); what does not fit would be lost. A request stops counting IN_FLIGHT_NANOS after it
 * went out, so dead servers hold up the others only that long (500 dead ones: ~0.4 s), while a
 * server host that stalls for less than that is not flooded meanwhile.
 */
const SEND_BATCH = 16
const MAX_IN_FLIGHT = 128
const IN_FLIGHT_NANOS = 100_000_000n

function sendPaced<T>(items: readonly T[], send: (item: T) => void, room: () => number, from = 0): void {
  const to = Math.min(from + SEND_BATCH, items.length, from + Math.max(0, room()))
  for (let i = from; i < to; i++) send(items[i]!)
  if (to === items.length) return
  // the window is full: give the replies (or the clock) a millisecond
  if (to === from) setTimeout(() => sendPaced(items, send, room, to), 1)
  else setImmediate(() => sendPaced(items, send, room, to))
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason))
}

type Match = { request: Pending; nonce: NtpTimestamp; packet: ReturnType<typeof decodePacket> } | { reject: Reject }

/** "Is this a reply to me?": well-formed, echoes an outstanding nonce, from the address and port asked. */
function matchReply(
  bytes: Uint8Array,
  from: Endpoint,
  pending: ReadonlyMap<NtpTimestamp, Pending>,
  answered: ReadonlySet<NtpTimestamp>,
): Match {
  let packet
  try {
    packet = decodePacket(bytes)
  } catch (error) {
    if (error instanceof PacketParseError) return { reject: { kind: 'malformed', detail: error.message } }
    throw error
  }
  const nonce = packet.originTime
  const request = pending.get(nonce)
  if (!request) return { reject: answered.has(nonce) ? { kind: 'duplicate' } : { kind: 'unknown-origin' } }
  if (!sameEndpoint(from, request.server)) return { reject: { kind: 'wrong-source', from: `${from.address}:${from.port}` } }
  const reject = checkReply(packet)
  return reject ? { reject } : { request, nonce, packet }
}

/**
 * Both addresses are canonical (io/resolve.ts, io/udp.ts), so equal text is equal bytes; a zone
 * (`fe80::1%eth0`) chose the interface to send on and is not part of the reply's source.
 */
function sameEndpoint(from: Endpoint, server: Endpoint): boolean {
  return from.port === server.port && from.address === withoutZone(server.address)
}
