/**
 * NTS-KE servers of our own for faults a real one won't produce: a node:tls server (TLS 1.3, ALPN
 * ntske/1, a certificate of the test CA) whose response records are scripted. And a TCP relay, to
 * put a real NTS-KE server behind a port that can be closed.
 */
import { readFileSync } from 'node:fs'
import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net'
import { createServer, type TLSSocket, type TlsOptions } from 'node:tls'
import { concat, encodeKeRecord, RecordType } from '../../src/auth/nts/ke-records.js'
import type { Teardown } from './teardown.js'

export interface KeServer {
  port: number
  /** connections that completed the handshake */
  connections: number
  /** the client-to-server and server-to-client keys of the last connection (as the client exports them) */
  lastKeys?: { c2s: Buffer; s2c: Buffer }
}

export interface KeServerOptions {
  /** TLS settings over the defaults (TLS 1.3, ALPN ntske/1), e.g. a TLS 1.2-only server or another ALPN */
  tls?: Pick<TlsOptions, 'minVersion' | 'maxVersion' | 'ALPNProtocols'>
  /** send the response one byte per TLS record (and TCP segment), each once the last was written, or `pauseMs` after */
  trickle?: boolean | { pauseMs: number }
}

/** `respond(n)`: the records of the n-th response (from 1). */
export async function startKeServer(
  t: Teardown,
  address: string,
  tls: { certFile: string; keyFile: string },
  respond: (connection: number) => Uint8Array,
  options: KeServerOptions = {},
): Promise<KeServer> {
  const state: KeServer = { port: 0, connections: 0 }
  const server = createServer({
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    minVersion: 'TLSv1.3',
    ALPNProtocols: ['ntske/1'],
    ...options.tls,
  })
  server.on('secureConnection', (socket: TLSSocket) => {
    state.connections++
    const n = state.connections
    socket.on('error', () => {})
    socket.once('data', () => {
      const context = (direction: number) => Buffer.from([0, 0, 0, 15, direction])
      state.lastKeys = {
        c2s: socket.exportKeyingMaterial(32, 'EXPORTER-network-time-security', context(0)),
        s2c: socket.exportKeyingMaterial(32, 'EXPORTER-network-time-security', context(1)),
      }
      const response = Buffer.from(respond(n))
      if (options.trickle) trickle(socket, response, options.trickle === true ? 0 : options.trickle.pauseMs)
      else socket.end(response)
    })
  })
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolve) => server.listen(0, address, resolve))
  state.port = (server.address() as { port: number }).port
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return state
}

/** One byte per write, the next once the last is flushed (and `pauseMs` more): one TLS record each, until the client goes. */
function trickle(socket: TLSSocket, bytes: Buffer, pauseMs: number): void {
  socket.setNoDelay(true)
  let sent = 0
  const next = (error?: Error | null) => {
    if (error || socket.destroyed) return
    if (sent === bytes.length) return void socket.end()
    socket.write(bytes.subarray(sent, ++sent), () => (pauseMs > 0 ? setTimeout(next, pauseMs) : next()))
  }
  next()
}

/** A response that names `ntp` as the NTP server, with `cookies` as the New Cookie records. */
export function keResponse(options: { cookies: Uint8Array[]; ntpServer?: string; ntpPort?: number; aead?: number; extra?: Uint8Array[] }): Uint8Array {
  const u16 = (v: number) => new Uint8Array([v >> 8, v & 0xff])
  return concat([
    encodeKeRecord(RecordType.NextProtocol, u16(0), true),
    encodeKeRecord(RecordType.AeadAlgorithm, u16(options.aead ?? 15)),
    ...options.cookies.map((c) => encodeKeRecord(RecordType.NewCookie, c)),
    ...(options.ntpServer ? [encodeKeRecord(RecordType.NtpServer, new TextEncoder().encode(options.ntpServer), true)] : []),
    ...(options.ntpPort ? [encodeKeRecord(RecordType.NtpPort, u16(options.ntpPort), true)] : []),
    ...(options.extra ?? []),
    encodeKeRecord(RecordType.EndOfMessage, new Uint8Array(0), true),
  ])
}

export interface Relay {
  port: number
  close(): Promise<void>
}

/** Forwards TCP connections on `address`:port 0 to `target`; close() stops listening and cuts what is open. */
export async function startTcpRelay(t: Teardown, address: string, target: { address: string; port: number }): Promise<Relay> {
  const open = new Set<Socket>()
  const server: TcpServer = createTcpServer((client) => {
    const upstream = connect(target.port, target.address)
    for (const s of [client, upstream]) {
      open.add(s)
      s.on('error', () => {})
      s.on('close', () => open.delete(s))
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, address, resolve))
  let closed: Promise<void> | undefined
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve())
      for (const s of open) s.destroy()
    }))
  t.teardown(close)
  return { port: (server.address() as { port: number }).port, close }
}
