/**
 * The query loop, the only place that talks NTP over the network: every server gets `samples`
 * requests spaced `gapSeconds` apart, all servers at once; each request waits at most
 * `timeoutSeconds`. The run ends as soon as every request is answered or has timed out.
 */
import { checkReply, newRequest } from './ntp/exchange.js'
import { kissCodeOf, type KissCode } from './ntp/kiss.js'
import { decodePacket, PacketParseError } from './ntp/packet.js'
import type { Reject } from './ntp/reject.js'
import { toSample, type Sample } from './ntp/sample.js'
import type { NtpTimestamp } from './ntp/timestamp.js'
import type { ClockReader, DatagramSocket, Endpoint, OpenSocket, RandomBytes } from './ports.js'
import type { ServerObservation } from './select.js'
import type { AddressFamily, Server } from './server.js'

export interface QuerySettings {
  samples: number
  gapSeconds: number
  timeoutSeconds: number
  version: number
}

export type QueryEvent =
  | { kind: 'sent'; server: Server; nonce: NtpTimestamp }
  | { kind: 'send-failed'; server: Server; error: string }
  | { kind: 'sample'; server: Server; sample: Sample }
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

  const onDatagram = (bytes: Uint8Array, from: Endpoint, receivedAtNanos: bigint) => {
    const outcome = matchReply(bytes, from, pending, answered)
    if ('reject' in outcome) return emit({ kind: 'ignored', from, reject: outcome.reject })
    const { request, nonce } = outcome
    clearTimeout(request.timer)
    pending.delete(nonce)
    answered.add(nonce)
    const sample = toSample(outcome.packet, request.sentAtNanos, receivedAtNanos)
    request.observation.samples.push(sample)
    emit({ kind: 'sample', server: request.server, sample })
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
    const sentAtNanos = deps.clock.nowNanos()
    const sending = socket.send(bytes, server)
    pending.set(nonce, { server, observation, sentAtNanos, timer })
    sending.catch((error: unknown) => {
      clearTimeout(timer)
      pending.delete(nonce)
      emit({ kind: 'send-failed', server, error: asError(error).message })
      settle()
    })
  }

  for (let round = 0; round < settings.samples; round++) {
    const sendRound = () => observations.forEach(sendOne)
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

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.address.toLowerCase() === b.address.toLowerCase()
}
