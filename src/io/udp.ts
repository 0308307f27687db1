/** UDP sockets for the query engine, on dgram-as-promised, with kernel timestamps where Linux gives them. */
import { DgramAsPromised } from 'dgram-as-promised'
import type { SocketOptions } from 'node:dgram'
import { isIPv6 } from 'node:net'
import type { ClockReader, DatagramListener, DatagramSocket, OpenSocket } from '../ports.js'
import type { AddressFamily } from '../server.js'
import { kernelStamps, type KernelStamps } from './kernel-stamp.js'

const LOOPBACK = { 4: '127.0.0.1', 6: '::1' } as const
const PRIMING_WAIT_MS = 50
const RECEIVE_BUFFER_BYTES = 1 << 20

/**
 * We only ever send to IP literals. dgram's default lookup defers every send to the next tick even
 * for a literal, so T1 (read just before send) would precede the sendto(2) by the time it takes to
 * queue every other server's request; answering synchronously puts the syscall inside send(), and
 * so the kernel's transmit timestamp is ready right after it.
 */
const literalLookup: NonNullable<SocketOptions['lookup']> = (address, _options, callback) => {
  callback(null, address, isIPv6(address) ? 6 : 4)
}

export function udpSocketOpener(clock: ClockReader): OpenSocket {
  return async (family: AddressFamily, onDatagram: DatagramListener): Promise<DatagramSocket> => {
    let primed: () => void = () => {}
    const primingArrived = new Promise<void>((resolve) => (primed = resolve))
    let ownPort = 0
    let stamps: KernelStamps | undefined
    // The socket's own 'message' handler: the kernel's receive time can only be asked for here,
    // before the next datagram is read. The process's clock read is the fallback T4.
    const type = family === 6 ? 'udp6' : 'udp4'
    const socket = DgramAsPromised.createSocket({ type, lookup: literalLookup }, (msg, rinfo) => {
      const readAtNanos = clock.nowNanos()
      const arrivedAtNanos = stamps?.received(readAtNanos)
      if (rinfo.port === ownPort && rinfo.address === LOOPBACK[family]) return primed()
      const from = { address: rinfo.address, port: rinfo.port }
      if (arrivedAtNanos === undefined) onDatagram(msg, from, readAtNanos, 'process')
      else onDatagram(msg, from, arrivedAtNanos, 'kernel')
    })
    ownPort = (await socket.bind(0)).port // an ephemeral, unprivileged port: never 123
    // Send errors reject send(); anything else (a failed read) only costs that reply, which then
    // times out like a lost one.
    socket.socket.on('error', () => {})
    // Room for a burst of replies from many servers; Linux caps it at net.core.rmem_max.
    socket.socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES)
    const found = kernelStamps(socket.socket, family)
    stamps = 'unavailable' in found ? undefined : found
    const opened: DatagramSocket = {
      async send(bytes, to) {
        await socket.send(bytes, to.port, to.address)
      },
      ...(stamps && { kernelSendTime: stamps.sent }),
      async close() {
        stamps?.close()
        await socket.close()
      },
    }
    await prime(opened, family, ownPort, primingArrived)
    return opened
  }
}

/**
 * The first send and receive on a socket run cold code (lazy internals, unoptimised JS) and were
 * measured here to put T1 ~1 ms ahead of the wire and T4 ~0.3 ms behind it. One datagram to
 * ourselves over loopback takes that cost before any timestamp counts (and lets the kernel switch
 * receive timestamps on).
 */
async function prime(opened: DatagramSocket, family: AddressFamily, ownPort: number, arrival: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const givingUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, PRIMING_WAIT_MS)))
  try {
    const sending = opened.send(new Uint8Array(48), { address: LOOPBACK[family], port: ownPort })
    opened.kernelSendTime?.(0n)
    await sending
    await Promise.race([arrival, givingUp])
  } catch {
    // no loopback for this family: the run works, only its first sample is less precise
  } finally {
    clearTimeout(timer)
  }
}
