/** UDP sockets for the query engine, on dgram-as-promised, with T4 read in the message listener. */
import { DgramAsPromised, type SocketAsPromised } from 'dgram-as-promised'
import type { SocketOptions } from 'node:dgram'
import { isIPv6 } from 'node:net'
import type { ClockReader, DatagramListener, DatagramSocket, OpenSocket } from '../ports.js'
import type { AddressFamily } from '../server.js'

const LOOPBACK = { 4: '127.0.0.1', 6: '::1' } as const
const PRIMING_WAIT_MS = 50

/**
 * We only ever send to IP literals. dgram's default lookup defers every send to the next tick even
 * for a literal, so T1 (read just before send) would precede the sendto(2) by the time it takes to
 * queue every other server's request; answering synchronously puts the syscall inside send().
 */
const literalLookup: NonNullable<SocketOptions['lookup']> = (address, _options, callback) => {
  callback(null, address, isIPv6(address) ? 6 : 4)
}

export function udpSocketOpener(clock: ClockReader): OpenSocket {
  return async (family: AddressFamily, onDatagram: DatagramListener): Promise<DatagramSocket> => {
    let primed: () => void = () => {}
    const primingArrived = new Promise<void>((resolve) => (primed = resolve))
    let ownPort = 0
    // The listener is the socket's own 'message' handler: reading the clock first thing keeps the
    // JS-side receive stamp as close to the kernel's as this side of the FFI can get.
    const type = family === 6 ? 'udp6' : 'udp4'
    const socket = DgramAsPromised.createSocket({ type, lookup: literalLookup }, (msg, rinfo) => {
      const receivedAtNanos = clock.nowNanos()
      if (rinfo.port === ownPort && rinfo.address === LOOPBACK[family]) return primed()
      onDatagram(msg, { address: rinfo.address, port: rinfo.port }, receivedAtNanos)
    })
    ownPort = (await socket.bind(0)).port // an ephemeral, unprivileged port: never 123
    await prime(socket, family, ownPort, primingArrived)
    return {
      async send(bytes, to) {
        await socket.send(bytes, to.port, to.address)
      },
      async close() {
        await socket.close()
      },
    }
  }
}

/**
 * The first send and receive on a socket run cold code (lazy internals, unoptimised JS) and were
 * measured here to put T1 ~1 ms ahead of the wire and T4 ~0.3 ms behind it. One datagram to
 * ourselves over loopback takes that cost before any timestamp counts.
 */
async function prime(socket: SocketAsPromised, family: AddressFamily, ownPort: number, arrival: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const givingUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, PRIMING_WAIT_MS)))
  try {
    await socket.send(new Uint8Array(48), ownPort, LOOPBACK[family])
    await Promise.race([arrival, givingUp])
  } catch {
    // no loopback for this family: the run works, only its first sample is less precise
  } finally {
    clearTimeout(timer)
  }
}
