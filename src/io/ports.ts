/** The shell's seams: what the core needs from the outside world, as small plain interfaces. */
import type { AddressFamily } from '../ntp/endpoint.js'
import type { LogSeverity, LogTarget } from '../config/syslog-config.js'

/** Reads CLOCK_REALTIME. */
export interface ClockReader {
  /** Unix time in nanoseconds */
  nowNanos(): bigint
}

/** Changes CLOCK_REALTIME. Both throw ClockNotSetError when the kernel refuses. */
export interface ClockSetter {
  /** Jump the clock by offsetSeconds now (clock_settime of now + offset). */
  step(offsetSeconds: number): void
  /** Slew the clock gradually by offsetSeconds (adjtime). */
  slew(offsetSeconds: number): void
}

export interface ResolvedAddress {
  address: string
  family: AddressFamily
}

/** Every address of a host name (or the literal itself), restricted to one family when asked. */
export type Resolve = (host: string, family: AddressFamily | undefined) => Promise<ResolvedAddress[]>

export interface Endpoint {
  address: string
  port: number
}

/** Who took a T1 or T4: the kernel (as the datagram left or arrived), or this process (a clock read). */
export type StampSource = 'kernel' | 'process'

/** Called synchronously from the socket's own message listener, with T4 already read. */
export type DatagramListener = (bytes: Uint8Array, from: Endpoint, receivedAtNanos: bigint, receivedBy?: StampSource) => void

export interface DatagramSocket {
  /** Sends one datagram; rejects with the OS error when the send fails. */
  send(bytes: Uint8Array, to: Endpoint): Promise<void>
  /** Called right after send(): when the datagram left per the kernel, if it said so by then and not before `readBeforeNanos`. */
  kernelSendTime?(readBeforeNanos: bigint): bigint | undefined
  close(): Promise<void>
}

/** Opens an unprivileged (ephemeral-port) UDP socket of one family. */
export type OpenSocket = (family: AddressFamily, onDatagram: DatagramListener) => Promise<DatagramSocket>

/**
 * Timers, handed in as the clock is, so the query loop can run on a test's own time. Each returns
 * its cancel; milliseconds.
 */
export interface Timers {
  /** `fn` once, `ms` from now */
  after(ms: number, fn: () => void): () => void
  /** `fn` every `ms` */
  every(ms: number, fn: () => void): () => void
  /** `fn` on the event loop's next turn, after the datagrams already arrived are read */
  soon(fn: () => void): void
}

/** Cryptographically random bytes. */
export type RandomBytes = (count: number) => Uint8Array

/** A syslog destination (libc syslog(3), or a remote server). */
export interface Logger {
  /** Hands one message over; never throws (delivery problems are reported by close). */
  log(severity: LogSeverity, message: string): void
  /** Delivers what is pending within a bounded time and lets go; resolves to a one-line problem, if any. */
  close(): Promise<string | undefined>
}

/** Opens the Logger for a target; loaded only when -s or --syslog-server asks for one. */
export type OpenLogger = (target: LogTarget) => Promise<Logger>
