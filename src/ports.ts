/** The shell's seams: what the core needs from the outside world, as small plain interfaces. */
import type { AddressFamily } from './ntp/endpoint.js'
import type { LogSeverity, LogTarget } from './config/syslog-config.js'
import type { SymmetricKey } from './auth/key-file.js'
import type { SymmetricAuth } from './auth/symmetric.js'
import type { Aead } from './auth/nts/aead.js'
import type { KeResponse } from './auth/nts/ke-records.js'

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

/** Opens an unprivileged (ephemeral-port) UDP socket of one family, bound to `localAddress` when given. */
export type OpenSocket = (family: AddressFamily, onDatagram: DatagramListener, localAddress?: string) => Promise<DatagramSocket>

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

/** A file read with care (io/files/private-file.ts): its text, or absent, or why it is not used. */
export type PrivateFileRead = { text: string } | { absent: true } | { refused: string } | { tooLarge: true }

/** A settings or key file read with care (io/files/read-config-file.ts), with its mode and owner. */
export type ConfigFileRead = { text: string; mode: number; uid: number } | { absent: true } | { refused: string }

/** The NTS cookie cache (io/nts/nts-cache.ts): one record per NTS-KE server. */
export interface CacheFiles {
  /** the record's text, or absent; a file we must not trust is a `refused` with why */
  read(keServer: { host: string; port: number }): { text: string } | { absent: true } | { refused: string }
  /** replaces the record atomically; throws the OS error */
  write(keServer: { host: string; port: number }, text: string): void
}

/** Where an NTS key exchange goes (io/nts/nts-ke.ts). */
export interface KeTarget {
  /** the address to connect to */
  address: string
  port: number
  /** the name the certificate must be for: the host name or IP address as given */
  name: string
}

export interface KeSettings {
  /** PEM text of every CA to trust */
  trustedCas: string[]
  timeoutSeconds: number
  /** --source: connect from this local address */
  localAddress?: string
  /**
   * the wrong-clock rule applies (the local clock is before this release): a certificate that fails
   * on its dates is let through, and every chain, valid by the local clock or not, is kept to be
   * verified at the time obtained
   */
  overlookDates: boolean
}

/** A completed key exchange: the response and the keys exported from TLS (RFC 8915 §5.1). */
export interface KeResult {
  response: KeResponse
  c2sKey: Uint8Array
  s2cKey: Uint8Array
  /** when the certificate's dates were overlooked: why, and the chain (leaf first, PEM) to check later */
  unverifiedDates?: { error: string; chainPem: string[] }
}

/** Why a certificate chain does not pass at a given time: it is invalid then, or it could not be checked. */
export type ChainProblem = { invalid: string } | { unchecked: string }

/** -a, -k: the key file and the digests (io/files/read-config-file.ts, io/crypto/symmetric-digest.ts). */
export interface KeySources {
  readKeyFile: (path: string) => ConfigFileRead
  symmetricAuth: (key: SymmetricKey) => Promise<SymmetricAuth>
}

/** --nts: TLS, the AEAD, the CAs and the cookie cache (io/nts/nts-system.ts), loaded only with --nts. */
export interface NtsSources {
  exchangeKeys: (target: KeTarget, settings: KeSettings) => Promise<KeResult>
  aead: (key: Uint8Array) => Aead
  verifyChainAt: (chainPem: readonly string[], name: string, atSeconds: number, trustedCas: readonly string[]) => Promise<ChainProblem | undefined>
  openCache: (dir: string) => CacheFiles | { unusable: string }
  readCaFile: (path: string) => ConfigFileRead
  /** PEM text of the system's trusted CAs */
  systemCas: () => Promise<string[]>
  defaultCacheDir: () => string
}

/** --drift-file (io/host/drift-system.ts): the file, clocks a set does not move, the kernel's frequency. */
export interface DriftSources {
  /** in a directory of ours closed to others */
  read(path: string): PrivateFileRead
  /** throws the OS error */
  write(path: string, text: string): void
  /** the kernel's id of this boot; undefined where /proc does not say */
  bootId(): string | undefined
  /** CLOCK_BOOTTIME, and CLOCK_REALTIME − CLOCK_BOOTTIME (read back to back), seconds */
  clocks(): { boottimeSeconds: number; realMinusBootSeconds: number }
  /** the kernel's frequency offset, ppm; undefined when adjtimex cannot be read */
  kernelPpm(): number | undefined
  /** sets the kernel's frequency offset (CAP_SYS_TIME); returns what it now is */
  setKernelPpm(ppm: number): number
}
