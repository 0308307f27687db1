/**
 * The query loop, the only place that talks NTP over the network. It carries out what the core
 * says: every server gets requests spaced `gapSeconds` apart, all servers at once, as long as
 * ntp/request-policy.ts wants more from it; each datagram is classified by ntp/classify.ts; each
 * request waits at most `timeoutSeconds`. The run ends as soon as no server wants a request and
 * none is waiting.
 */
import { NoServerError, errorCode } from '../errors.js'
import { classifyDatagram, type OutstandingRequests } from '../ntp/classify.js'
import type { Endpoint, Server } from '../ntp/endpoint.js'
import { newRequest } from '../ntp/exchange.js'
import type { NtpPacket } from '../ntp/packet.js'
import type { IgnoredReason } from '../ntp/ignored.js'
import type { Kiss } from '../ntp/kiss.js'
import type { ServerObservation } from '../ntp/observation.js'
import { isDone, nextStep } from '../ntp/request-policy.js'
import { toSample, type Sample } from '../ntp/sample.js'
import { checkSuitability } from '../ntp/suitability.js'
import type { NtpTimestamp } from '../ntp/timestamp.js'
import type { ClockReader, OpenSocket, RandomBytes, StampSource, Timers } from '../ports.js'
import { nodeTimers } from '../io/kernel/timers.js'
import { asError, openSockets } from './open-sockets.js'
import { countSentSince, expectedReplies, type Pending, type ServerRun } from './server-run.js'
import { sendPaced, type SendWindow } from './send-paced.js'
import type { Authentication, RequestAuth } from '../auth/authentication.js'

export interface QuerySettings {
  /** usable replies wanted from each server (-p) */
  samples: number
  gapSeconds: number
  timeoutSeconds: number
  /** -o: the NTP version of the requests */
  ntpVersion: number
  /** -a, --nts: how a server's requests are protected; only replies that pass its check count */
  authFor?: (server: Server) => RequestAuth | undefined
  /** --source: the local address to send from */
  sourceAddress?: string | undefined
}

export type QueryEvent =
  | { kind: 'sent'; server: Server; nonce: NtpTimestamp }
  | { kind: 'send-failed'; server: Server; error: string }
  | { kind: 'reply'; server: Server; sample: Sample; stampedBy?: { sent: StampSource; received: StampSource }; authenticated?: Authentication }
  | { kind: 'kiss'; server: Server; kiss: Kiss }
  | { kind: 'timeout'; server: Server }
  | { kind: 'ignored'; from: Endpoint; reason: IgnoredReason }

export interface QueryDeps {
  clock: ClockReader
  openSocket: OpenSocket
  randomBytes: RandomBytes
  /** default: Node's own (io/kernel/timers.ts) */
  timers?: Timers
  onEvent?: (event: QueryEvent) => void
}

export async function queryServers(servers: readonly Server[], settings: QuerySettings, deps: QueryDeps): Promise<ServerObservation[]> {
  const runs = servers.map((server): ServerRun => ({
    observation: { server, replies: [], kisses: [], unauthenticated: 0 },
    sent: 0,
    waiting: 0,
    usable: 0,
    stopped: false,
    queued: false,
    done: false,
    waitingRequests: new Set(),
    longestRoundTripNanos: 0n,
    auth: settings.authFor?.(server),
  }))
  const pending = new Map<NtpTimestamp, Pending>()
  const answered = new Set<NtpTimestamp>()
  const requests: OutstandingRequests = {
    destination: (nonce) => pending.get(nonce)?.run.observation.server,
    answered: (nonce) => answered.has(nonce),
  }
  const emit = deps.onEvent ?? (() => {})
  const timers = deps.timers ?? nodeTimers
  // classify.ts asks only once the origin matched a waiting request: the check is that request's
  const authenticate = (bytes: Uint8Array, packet: NtpPacket): IgnoredReason | null => {
    const check = pending.get(packet.originTime)?.check
    return check ? check(bytes, packet) : { kind: 'unprotected-request' }
  }
  const timeoutNanos = BigInt(Math.round(settings.timeoutSeconds * 1e9))
  const step = (run: ServerRun) => nextStep({ ...run, expected: expectedReplies(run, deps.clock.nowNanos(), timeoutNanos) }, settings.samples)
  let finish: () => void = () => {}
  const finished = new Promise<void>((resolve) => (finish = resolve))
  let unfinished = runs.length
  /** After anything that happened to `run`: the run ends when every server is done. */
  const settle = (run: ServerRun) => {
    if (run.done || run.queued || !isDone(run, settings.samples)) return
    run.done = true
    if (--unfinished === 0) finish()
  }
  /** The one place a request stops waiting: its reply came, its time ran out, or its send failed. */
  const retire = (request: Pending, by: 'reply' | 'timeout' | 'send-failed') => {
    request.cancelTimeout()
    pending.delete(request.nonce)
    if (by === 'reply') answered.add(request.nonce)
    request.run.waiting--
    request.run.waitingRequests.delete(request)
  }

  const onDatagram = (bytes: Uint8Array, from: Endpoint, receivedAtNanos: bigint, receivedBy: StampSource = 'process') => {
    const datagram = classifyDatagram(bytes, from, receivedAtNanos, requests, settings.authFor && authenticate)
    if (datagram.kind === 'ignored') {
      const claimed = datagram.nonce === undefined ? undefined : pending.get(datagram.nonce)
      if (claimed) claimed.run.observation.unauthenticated++
      return emit({ kind: 'ignored', from, reason: datagram.reason })
    }
    const request = pending.get(datagram.nonce)
    if (!request) return
    retire(request, 'reply')
    const { run } = request
    const server = run.observation.server
    if (datagram.kind === 'kiss') {
      run.observation.kisses.push(datagram.kiss)
      if (datagram.kiss.action !== 'note') run.stopped = true
      emit({ kind: 'kiss', server, kiss: datagram.kiss })
    } else {
      const roundTrip = receivedAtNanos - request.sentAtNanos
      if (roundTrip > run.longestRoundTripNanos) run.longestRoundTripNanos = roundTrip
      const sample = toSample(datagram.packet, request.sentAtNanos, receivedAtNanos)
      run.observation.replies.push(sample)
      if (checkSuitability(datagram.packet) === null) run.usable++
      const authenticated = run.auth?.description
      emit({ kind: 'reply', server, sample, stampedBy: { sent: request.sentBy, received: receivedBy }, ...(authenticated && { authenticated }) })
    }
    settle(run)
  }

  const sockets = await openSockets(servers, deps.openSocket, onDatagram, settings.sourceAddress)
  // --source names an address this host cannot send from: nothing can be sent, say why at once
  const unusable = settings.sourceAddress === undefined ? undefined : [...sockets.values()].find((s) => s instanceof Error)
  if (unusable instanceof Error) {
    await Promise.all([...sockets.values()].map((s) => (s instanceof Error ? undefined : s.close())))
    throw new NoServerError(`cannot send from --source ${settings.sourceAddress}: ${describeSocketError(unusable)}`)
  }
  const sendOne = (run: ServerRun) => {
    run.queued = false
    const server = run.observation.server
    const socket = sockets.get(server.family)
    if (socket === undefined || socket instanceof Error) {
      run.stopped = true
      emit({ kind: 'send-failed', server, error: `no IPv${server.family} socket: ${socket?.message ?? 'not opened'}` })
      return settle(run)
    }
    if (step(run) !== 'send') return settle(run) // a kiss came in while it was queued
    const request8 = newRequest(deps.randomBytes(8), settings.ntpVersion)
    const { nonce } = request8
    // the MAC or NTS fields are made before T1 is read: they cost no accuracy (and -e corrects nothing)
    const protectedRequest = run.auth?.protect(request8.bytes)
    if (run.auth && !protectedRequest) {
      run.stopped = true
      emit({ kind: 'send-failed', server, error: 'no NTS cookie left' })
      return settle(run)
    }
    const bytes = protectedRequest?.bytes ?? request8.bytes
    run.sent++
    run.waiting++
    emit({ kind: 'sent', server, nonce })
    // No reply can be handled before this function returns, so the request may be recorded after
    // the send: nothing but the clock read stands between T1 and the sendto(2) (see io/net/udp.ts).
    // The kernel's own departure time, when it has one, is the better T1 (io/net/kernel-stamp.ts).
    const readBeforeNanos = deps.clock.nowNanos()
    const sending = socket.send(bytes, server)
    const departedAtNanos = socket.kernelSendTime?.(readBeforeNanos)
    const sentBy = departedAtNanos === undefined ? 'process' : 'kernel'
    const request: Pending = { run, nonce, sentAtNanos: departedAtNanos ?? readBeforeNanos, sentBy, cancelTimeout: () => {}, check: protectedRequest?.check }
    request.cancelTimeout = timers.after(settings.timeoutSeconds * 1000, () => {
      retire(request, 'timeout')
      emit({ kind: 'timeout', server })
      settle(run)
    })
    pending.set(nonce, request)
    run.waitingRequests.add(request)
    sending.catch((error: unknown) => {
      if (pending.get(nonce) !== request) return
      retire(request, 'send-failed')
      emit({ kind: 'send-failed', server, error: asError(error).message })
      settle(run)
    })
  }

  const window: SendWindow = { inFlightSince: (sinceNanos) => countSentSince(pending, sinceNanos), clock: deps.clock, timers }
  const tick = () => {
    const due = runs.filter((run) => !run.done && !run.queued && step(run) === 'send')
    for (const run of due) run.queued = true
    sendPaced(due, sendOne, window)
  }
  tick()
  const stopTicking = timers.every(settings.gapSeconds * 1000, tick)
  if (unfinished === 0) finish()
  await finished
  stopTicking()
  for (const request of pending.values()) request.cancelTimeout()
  await Promise.all([...sockets.values()].map((s) => (s instanceof Error ? undefined : s.close())))
  return runs.map((run) => run.observation)
}

/** A socket that could not be bound, in words (the address is said by the caller). */
function describeSocketError(error: Error): string {
  const code = errorCode(error)
  if (code === 'EADDRNOTAVAIL') return 'no interface of this host has that address'
  if (code === 'EADDRINUSE') return 'the address is in use'
  return error.message
}
