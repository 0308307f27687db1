/** UDP sockets for the query engine, on dgram-as-promised, with kernel timestamps where Linux gives them. */
import { DgramAsPromised } from 'dgram-as-promised'
import type { SocketOptions } from 'node:dgram'
import type { ClockReader, DatagramListener, DatagramSocket, Endpoint, OpenSocket } from '../../ports.js'
import { withoutZone, type AddressFamily } from '../../ntp/endpoint.js'
import { kernelStamps, type KernelStamps } from './kernel-stamp.js'

const LOOPBACK = { 4: '127.0.0.1', 6: '::1' } as const
const PRIMING_WAIT_MS = 50
const PRIMING_RETRY_MS = 1
const RECEIVE_BUFFER_BYTES = 1 << 20

/**
 * We only ever send to IP literals, of the socket's own family. dgram's default lookup defers every
 * send to the next tick even for a literal, so T1 (read just before send) would precede the
 * sendto(2) by the time it takes to queue every other server's request; answering synchronously
 * puts the syscall inside send(), and so the kernel's transmit timestamp is ready right after it.
 * (Not net.isIPv6: its first call compiles a large regular expression, ~5 ms of a ~100 ms run.)
 */
function literalLookup(family: AddressFamily): NonNullable<SocketOptions['lookup']> {
  return (address, _options, callback) => callback(null, address, family)
}

export function udpSocketOpener(clock: ClockReader): OpenSocket {
  return async (family: AddressFamily, onDatagram: DatagramListener, localAddress?: string): Promise<DatagramSocket> => {
    // the socket primes itself by a datagram to its own address (as the kernel writes it)
    let own: string = LOOPBACK[family]
    let primingArrived: (kernelStamped: boolean) => void = () => {}
    let ownPort = 0
    let stamps: KernelStamps | undefined
    // The socket's own 'message' handler: the kernel's receive time can only be asked for here,
    // before the next datagram is read. The process's clock read is the fallback T4.
    const type = family === 6 ? 'udp6' : 'udp4'
    const socket = DgramAsPromised.createSocket({ type, lookup: literalLookup(family) }, (msg, rinfo) => {
      const readAtNanos = clock.nowNanos()
      const arrivedAtNanos = stamps?.received(readAtNanos)
      if (rinfo.port === ownPort && rinfo.address === own) return primingArrived(arrivedAtNanos !== undefined)
      // libuv already writes an address as inet_ntop does (canonical); only a zone is dropped
      const from = { address: family === 6 ? withoutZone(rinfo.address) : rinfo.address, port: rinfo.port }
      if (arrivedAtNanos === undefined) onDatagram(msg, from, readAtNanos, 'process')
      else onDatagram(msg, from, arrivedAtNanos, 'kernel')
    })
    const bound = await socket.bind(0, localAddress) // an ephemeral, unprivileged port: never 123
    ownPort = bound.port
    if (localAddress !== undefined) own = bound.address
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
    const nextPrimingArrival = () => new Promise<boolean>((resolve) => (primingArrived = resolve))
    await prime(opened, { address: own, port: ownPort }, stamps !== undefined, nextPrimingArrival)
    return opened
  }
}

/**
 * The first send and receive on a socket run cold code (lazy internals, unoptimised JS) and were
 * measured here to put T1 ~1 ms ahead of the wire and T4 ~0.3 ms behind it. Datagrams to ourselves
 * over loopback take that cost before any timestamp counts. They also wait out the kernel switching
 * receive stamping on: when no other socket on the machine has it on, Linux defers that to a
 * worker (net_enable_timestamp), which under load came after our first datagrams had arrived
 * unstamped. So we send again until one comes back with a kernel stamp, within `PRIMING_WAIT_MS`.
 */
async function prime(opened: DatagramSocket, ownAddress: Endpoint, wantKernelStamp: boolean, nextArrival: () => Promise<boolean>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const givingUp = new Promise<'gave up'>((resolve) => (timer = setTimeout(() => resolve('gave up'), PRIMING_WAIT_MS)))
  try {
    for (;;) {
      const arrival = nextArrival()
      const sending = opened.send(new Uint8Array(48), ownAddress)
      opened.kernelSendTime?.(0n) // reads the send report, which must not stay in the error queue
      await sending
      const kernelStamped = await Promise.race([arrival, givingUp])
      if (kernelStamped !== false || !wantKernelStamp) return
      // leaves the CPU to the kernel's worker
      if ((await Promise.race([givingUp, pause(PRIMING_RETRY_MS)])) === 'gave up') return
    }
  } catch {
    // no loopback for this family: the run works, only its first sample is less precise
  } finally {
    clearTimeout(timer)
  }
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
