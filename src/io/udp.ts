/** UDP sockets for the query engine, on dgram-as-promised, with T4 read in the message listener. */
import { DgramAsPromised } from 'dgram-as-promised'
import type { ClockReader, DatagramListener, DatagramSocket, OpenSocket } from '../ports.js'
import type { AddressFamily } from '../server.js'

export function udpSocketOpener(clock: ClockReader): OpenSocket {
  return async (family: AddressFamily, onDatagram: DatagramListener): Promise<DatagramSocket> => {
    // The listener is the socket's own 'message' handler: reading the clock first thing keeps the
    // JS-side receive stamp as close to the kernel's as this side of the FFI can get.
    const socket = DgramAsPromised.createSocket({ type: family === 6 ? 'udp6' : 'udp4' }, (msg, rinfo) => {
      const receivedAtNanos = clock.nowNanos()
      onDatagram(msg, { address: rinfo.address, port: rinfo.port }, receivedAtNanos)
    })
    await socket.bind(0) // an ephemeral, unprivileged port: never 123
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
