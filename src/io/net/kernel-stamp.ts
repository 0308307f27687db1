/**
 * The kernel's own send and receive times of a node:dgram socket's datagrams (Linux, 64-bit,
 * through koffi). A clock read in JS lands 50-200 µs after the datagram arrived and 70-100 µs
 * before it left (measured on loopback), which would dominate the offset error.
 *
 * Receive: `ioctl(SIOCGSTAMPNS)` returns the kernel's arrival time of the datagram the socket read
 * last, so it must be called in the socket's own 'message' listener, before the next read.
 * The first call only switches stamping on.
 *
 * Send: with SO_TIMESTAMPING (TX_SOFTWARE | OPT_ID | OPT_TSONLY) the kernel queues a timestamp
 * report on the socket's error queue when the datagram reaches the device (Documentation/
 * networking/timestamping.rst). We read the report with recvmsg(MSG_ERRQUEUE); without the
 * SOF_TIMESTAMPING_SOFTWARE reporting flag the stamp is not put in a control message but stored
 * as the socket's last timestamp, which SIOCGSTAMPNS then returns. Leaving the reporting flag off
 * is what keeps SIOCGSTAMPNS working for received datagrams too.
 *
 * A report left in the error queue makes epoll report EPOLLERR for ever, and libuv then spins.
 * So every report is read: right after the send (where loopback and most drivers produce it), and,
 * if it was late, by a short poll until it comes or `LATE_REPORT_MS` passes.
 */
import { errorText } from '../../errors.js'
import type { Socket } from 'node:dgram'
import { koffi, libc } from '../libc/ffi.js'
import type { AddressFamily } from '../../ntp/endpoint.js'

const SIOCGSTAMPNS = 0x8907
const SOL_SOCKET = 1
const SO_TIMESTAMPING = 37
const SOF_TIMESTAMPING_TX_SOFTWARE = 1 << 1
const SOF_TIMESTAMPING_OPT_ID = 1 << 7
const SOF_TIMESTAMPING_OPT_TSONLY = 1 << 11
const MSG_DONTWAIT = 0x40
const MSG_ERRQUEUE = 0x2000
/** cmsg level and type of the `struct sock_extended_err` that carries a timestamp report */
const RECVERR = { 4: { level: 0, type: 11 }, 6: { level: 41, type: 25 } } as const // IP_RECVERR, IPV6_RECVERR
const SO_EE_ORIGIN_TIMESTAMPING = 4
const SCM_TSTAMP_SND = 0
const NANOS_PER_SECOND = 1_000_000_000n
const LATE_REPORT_MS = 500
/**
 * A kernel stamp further than this from our own clock read is not of this datagram's moment as
 * our clock tells time (a clock stepped in between, or a process clock shifted as faketime does):
 * T1 and T4 must come from one clock, so the process read is used.
 */
const MAX_STAMP_LAG_NANOS = 1_000_000_000n
const LATE_POLL_MS = 1

// struct msghdr (x86-64 / aarch64): name, namelen, iov, iovlen, control @32, controllen @40, flags
const MSGHDR_BYTES = 64
const CONTROL_BYTES = 192

export interface KernelStamps {
  /** The arrival time of the datagram just read, or undefined if the kernel has none for it. */
  received(readAfterNanos: bigint): bigint | undefined
  /** The departure time of the datagram just sent, or undefined if the kernel did not report it yet. */
  sent(readBeforeNanos: bigint): bigint | undefined
  close(): void
}

interface Libc {
  ioctl: (fd: number, request: number, out: Buffer) => number
  setsockopt: (fd: number, level: number, name: number, value: Buffer, length: number) => number
  recvmsg: (fd: number, msghdr: unknown, flags: number) => number | bigint
}

let bound: Libc | undefined

function bindLibc(): Libc {
  if (bound) return bound
  bound = {
    // ioctl is variadic in C; one pointer argument passes the same way as a fixed one on 64-bit Linux
    ioctl: libc.func('int ioctl(int, unsigned long, _Out_ uint8_t *)'),
    setsockopt: libc.func('int setsockopt(int, int, int, const uint8_t *, uint32_t)'),
    recvmsg: libc.func('intptr_t recvmsg(int, void *, int)'),
  }
  return bound
}

/** Kernel timestamps for a bound socket, or the reason there are none. */
export function kernelStamps(socket: Socket, family: AddressFamily): KernelStamps | { unavailable: string } {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
    return { unavailable: `not supported on ${process.platform}/${process.arch}` }
  }
  const fd = socketFd(socket)
  if (fd === undefined) return { unavailable: 'no file descriptor for the socket' }
  let c: Libc
  try {
    c = bindLibc()
  } catch (error) {
    return { unavailable: `cannot bind libc's socket calls: ${errorText(error)}` }
  }
  const stamp = Buffer.alloc(16)
  const readStamp = (): bigint | undefined => (c.ioctl(fd, SIOCGSTAMPNS, stamp) === 0 ? stamp.readBigInt64LE(0) * NANOS_PER_SECOND + stamp.readBigInt64LE(8) : undefined)
  readStamp() // switches receive stamping on (ENOENT this once)

  const flags = Buffer.alloc(4)
  flags.writeUInt32LE(SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY)
  const sendStamps = c.setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, flags, 4) === 0
  const errorQueue = sendStamps ? errorQueueReader(c, fd, family, readStamp) : undefined
  let latePoll: NodeJS.Timeout | undefined
  const stopLatePoll = () => {
    clearInterval(latePoll)
    latePoll = undefined
  }

  return {
    received(readAfterNanos) {
      const arrived = readStamp()
      // With no stamp on the datagram (stamping was not on yet) the kernel answers "now": a real
      // arrival time is always before our own read in the listener.
      return arrived !== undefined && arrived > 0n && arrived < readAfterNanos && readAfterNanos - arrived < MAX_STAMP_LAG_NANOS ? arrived : undefined
    },
    sent(readBeforeNanos) {
      if (!errorQueue) return undefined
      const departed = errorQueue.drain()
      if (departed !== undefined && departed >= readBeforeNanos && departed - readBeforeNanos < MAX_STAMP_LAG_NANOS) return departed
      // Late (e.g. waiting for ARP): that T1 stays the process's own read; keep the queue empty.
      if (!latePoll) {
        const until = performance.now() + LATE_REPORT_MS // monotonic: a step must not stretch it
        latePoll = setInterval(() => {
          if (errorQueue.drain() !== undefined || performance.now() > until) stopLatePoll()
        }, LATE_POLL_MS)
        latePoll.unref()
      }
      return undefined
    },
    close() {
      stopLatePoll()
      errorQueue?.drain()
    },
  }
}

/** Reads every report in the error queue; returns the last departure time, if any. */
function errorQueueReader(c: Libc, fd: number, family: AddressFamily, readStamp: () => bigint | undefined) {
  const memory = koffi.alloc('uint8_t', MSGHDR_BYTES + CONTROL_BYTES)
  const view = Buffer.from(koffi.view(memory, MSGHDR_BYTES + CONTROL_BYTES))
  view.fill(0)
  view.writeBigUInt64LE(koffi.address(memory) + BigInt(MSGHDR_BYTES), 32)
  const { level, type } = RECVERR[family]
  return {
    drain(): bigint | undefined {
      let last: bigint | undefined
      for (;;) {
        view.writeBigUInt64LE(BigInt(CONTROL_BYTES), 40)
        if (Number(c.recvmsg(fd, memory, MSG_ERRQUEUE | MSG_DONTWAIT)) < 0) return last
        const departed = readStamp() // the report's time, stored as the socket's last timestamp
        if (isSendReport(view, level, type) && departed !== undefined) last = departed
      }
    },
  }
}

/** Whether the control messages hold a sock_extended_err for a "left the device" timestamp. */
function isSendReport(view: Buffer, level: number, type: number): boolean {
  const end = MSGHDR_BYTES + Math.min(Number(view.readBigUInt64LE(40)), CONTROL_BYTES)
  for (let at = MSGHDR_BYTES; at + 32 <= end;) {
    const length = Number(view.readBigUInt64LE(at))
    if (length < 16) return false
    if (view.readInt32LE(at + 8) === level && view.readInt32LE(at + 12) === type) {
      return view[at + 16 + 4] === SO_EE_ORIGIN_TIMESTAMPING && view.readUInt32LE(at + 16 + 8) === SCM_TSTAMP_SND
    }
    at += (length + 7) & ~7
  }
  return false
}

/**
 * The socket's file descriptor. `socket._handle` would print a DEP0112 deprecation warning; the
 * same handle sits under dgram's internal state symbol, where reading it prints nothing.
 */
function socketFd(socket: Socket): number | undefined {
  for (const symbol of Object.getOwnPropertySymbols(socket)) {
    const state = (socket as unknown as Record<symbol, { handle?: { fd?: unknown } } | undefined>)[symbol]
    const fd = state?.handle?.fd
    if (typeof fd === 'number' && fd >= 0) return fd
  }
  return undefined
}
