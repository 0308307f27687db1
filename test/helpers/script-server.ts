/**
 * A scripted NTP "server" for engine tests: a node:dgram socket on a loopback address, port 0,
 * whose handler sees every request and decides what (if anything) to send back, and from where.
 */
import { replyTo as replyPacket } from './unit.js'
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { libcClock } from '../../src/io/kernel/clock-libc.js'
import { decodePacket, encodePacket, type NtpPacket } from '../../src/ntp/packet.js'
import { ntpFromUnixNanos } from '../../src/ntp/timestamp.js'
import type { Server } from '../../src/ntp/endpoint.js'
import type { Teardown } from './teardown.js'
import { kernelStamps } from '../../src/io/net/kernel-stamp.js'

export interface ReceivedRequest {
  bytes: Uint8Array
  from: RemoteInfo
  /** process.hrtime.bigint() at arrival */
  atMonotonicNanos: bigint
}

/** `arrivedAtNanos`: CLOCK_REALTIME when the request arrived, the kernel's with `kernelStamps`, else read in the listener */
export type Handler = (request: Uint8Array, from: RemoteInfo, server: ScriptServer, arrivedAtNanos: bigint) => void | Promise<void>

export interface ScriptServerOptions {
  /**
   * the kernel's receive time for each request (src/io/net/kernel-stamp.ts): a clock read in the
   * listener lands 50–500 µs after the arrival, and half of that shows in the offset
   */
  kernelStamps?: boolean
}

export interface ScriptServer {
  address: string
  port: number
  /** as queryServers wants it */
  server: Server
  requests: ReceivedRequest[]
  /** sends from the listening socket (the right source) */
  send(bytes: Uint8Array, to: RemoteInfo): Promise<void>
  /** sends from another socket: same address, another port, unless `address` is given */
  sendFrom(source: { address?: string; port?: number }, bytes: Uint8Array, to: RemoteInfo): Promise<void>
  close(): Promise<void>
}

export async function startScriptServer(t: Teardown, address: string, handler: Handler, options: ScriptServerOptions = {}): Promise<ScriptServer> {
  // with kernel stamps, the reply's own stamps count too: an IP literal answered at once puts the
  // sendto(2) inside send(), not a tick later (src/io/net/udp.ts)
  const socket = options.kernelStamps ? createSocket({ type: 'udp4', lookup: (host, _options, callback) => callback(null, host, 4) }) : createSocket('udp4')
  const extra: Socket[] = []
  const requests: ReceivedRequest[] = []
  await bind(socket, address, 0)
  const port = socket.address().port
  const stamps = options.kernelStamps ? kernelStamps(socket, 4) : undefined
  if (stamps && 'unavailable' in stamps) throw new Error(`script server: no kernel stamps: ${stamps.unavailable}`)
  let closed: Promise<void> | undefined
  const server: ScriptServer = {
    address,
    port,
    server: { name: address, address, port, family: 4 },
    requests,
    async send(bytes, to) {
      await sendOn(socket, bytes, to)
      // each send leaves a transmit report on the error queue: read, or libuv spins on EPOLLERR
      stamps?.sent(libcClock.nowNanos())
    },
    async sendFrom(source, bytes, to) {
      const other = createSocket('udp4')
      extra.push(other)
      await bind(other, source.address ?? address, source.port ?? 0)
      await sendOn(other, bytes, to)
    },
    close() {
      if (!closed) stamps?.close()
      closed ??= Promise.all([socket, ...extra].map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => {})
      return closed
    },
  }
  socket.on('message', (msg, rinfo) => {
    const readAtNanos = libcClock.nowNanos()
    const arrivedAtNanos = stamps?.received(readAtNanos) ?? readAtNanos
    const bytes = new Uint8Array(msg)
    requests.push({ bytes, from: rinfo, atMonotonicNanos: process.hrtime.bigint() })
    void Promise.resolve(handler(bytes, rinfo, server, arrivedAtNanos)).catch((error: unknown) => {
      console.error('script server handler failed:', error)
    })
  })
  t.teardown(() => server.close())
  return server
}

/**
 * A well-formed server reply to `request` (mode 4, stratum 2, origin = its transmit), with
 * `changes`, from a clock `aheadSeconds` ahead of this machine's.
 */
export function replyTo(request: Uint8Array, changes: Partial<NtpPacket> = {}, aheadSeconds = 0): Uint8Array {
  const asked = decodePacket(request)
  const now = ntpFromUnixNanos(libcClock.nowNanos() + BigInt(Math.round(aheadSeconds * 1e9)))
  return encodePacket(
    replyPacket(asked.transmitTime, {
      version: asked.version,
      poll: asked.poll,
      rootDispersion: 0.0001,
      referenceId: 0x7f_00_00_01,
      referenceTime: now - (1n << 32n),
      receiveTime: now,
      transmitTime: now,
      ...changes,
    }),
  )
}

function bind(socket: Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, address, () => {
      socket.off('error', reject)
      resolve()
    })
  })
}

function sendOn(socket: Socket, bytes: Uint8Array, to: RemoteInfo): Promise<void> {
  return new Promise((resolve, reject) => socket.send(bytes, to.port, to.address, (error) => (error ? reject(error) : resolve())))
}
