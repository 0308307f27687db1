/**
 * A TCP port where connect() hangs, as with a server behind a firewall that drops SYNs: a real
 * listening socket (libc through koffi, backlog 0) that never accepts, whose accept queue is
 * filled first; the kernel then drops every further SYN, so a client's connect just waits.
 */
import { createConnection, type Socket } from 'node:net'
import { koffi, libc } from '../../src/io/libc/ffi.js'
import type { Teardown } from './teardown.js'

const AF_INET = 2
const SOCK_STREAM = 1

const socketCall = libc.func('int socket(int domain, int type, int protocol)')
const bindCall = libc.func('int bind(int fd, const uint8_t *addr, uint32_t len)')
const listenCall = libc.func('int listen(int fd, int backlog)')
const getsocknameCall = libc.func('int getsockname(int fd, _Inout_ uint8_t *addr, _Inout_ uint32_t *len)')
const closeCall = libc.func('int close(int fd)')

export interface SilentTcp {
  address: string
  port: number
}

export async function startSilentTcp(t: Teardown, address: string): Promise<SilentTcp> {
  const fd = socketCall(AF_INET, SOCK_STREAM, 0) as number
  if (fd < 0) throw new Error(`socket() failed: errno ${koffi.errno()}`)
  const fillers: Socket[] = []
  t.teardown(() => {
    fillers.forEach((s) => s.destroy())
    closeCall(fd)
  })
  const sockaddr = Buffer.alloc(16)
  sockaddr.writeUInt16LE(AF_INET, 0)
  sockaddr.writeUInt16BE(0, 2)
  Buffer.from(address.split('.').map(Number)).copy(sockaddr, 4)
  if (bindCall(fd, sockaddr, 16) !== 0) throw new Error(`bind(${address}) failed: errno ${koffi.errno()}`)
  if (listenCall(fd, 0) !== 0) throw new Error(`listen() failed: errno ${koffi.errno()}`)
  const length = [16]
  getsocknameCall(fd, sockaddr, length)
  const port = sockaddr.readUInt16BE(2)

  // Connect until one connect does not complete: from then on the queue is full.
  for (let i = 0; i < 8; i++) {
    const socket = createConnection({ host: address, port })
    socket.on('error', () => {})
    fillers.push(socket)
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300)
      socket.once('connect', () => (clearTimeout(timer), resolve(true)))
    })
    if (!connected) return { address, port }
  }
  throw new Error(`every connect to ${address}:${port} completed: the accept queue did not fill`)
}
