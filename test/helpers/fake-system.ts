/**
 * The System main() runs on, in process: fake NTP servers that answer at once (or never), a clock
 * that only counts, and clock changes recorded instead of made.
 */
import type { MainDeps, System } from '../../src/cli/main.js'
import type { RunningDaemon } from '../../src/host/time-daemon.js'
import { ClockNotSetError } from '../../src/errors.js'
import type { DatagramListener } from '../../src/ports.js'
import type { Endpoint } from '../../src/ntp/endpoint.js'
import { decodePacket, encodePacket, NtpMode } from '../../src/ntp/packet.js'
import { ntpFromUnixNanos } from '../../src/ntp/timestamp.js'
import { symmetricAuth } from '../../src/io/crypto/symmetric-digest.js'

export const START = 1_795_000_000_000_000_000n
const ONE_WAY_NANOS = 100_000n

export interface FakeServer {
  /** seconds the server's clock is ahead of ours */
  ahead: number
  stratum?: number
}

export interface FakeSystemOptions {
  /** the kernel refuses clock changes with this (as `Can't set time of day: …`) */
  refuse?: string
  /** the time daemon the guard finds */
  daemon?: RunningDaemon
  /** the guard finds `daemon` only until the clock changes (the kernel's word, then hidden by tsntpdate's own mark) */
  daemonHiddenBySet?: boolean
  /** CAP_SYS_TIME; default true */
  canSetClock?: boolean
  /** key files by path: their text and mode */
  keyFiles?: Record<string, { text: string; mode: number; uid: number }>
  /** marking the kernel clock synchronised fails with this */
  markFails?: string
  /** --drift-file files by path (read and written in memory) */
  driftFiles?: Map<string, string>
  /** the kernel's frequency offset at the start, ppm; default 0 */
  kernelPpm?: number
  /** the boot id; default `fake-boot` */
  bootId?: string
  /** the kernel refuses a frequency set with this */
  refuseFrequency?: string
}

export interface FakeSystem {
  system: System
  /** `step 0.200000`, `slew -0.001000`: the clock changes made */
  calls: string[]
  /** `maxerror 5001 µs, esterror 5001 µs`: each time the kernel was told the clock is synchronised */
  marks: string[]
  /** when the daemon guard was asked, relative to the clock changes */
  daemonChecks: string[]
  /** the requests that went out, by address */
  sent: string[]
  /** `frequency 12.500000`: each frequency the kernel was set to, ppm */
  frequencies: string[]
}

/**
 * An address in `servers` answers every request; any other never does. Names: `*.invalid` and
 * `nowhere.invalid` do not exist, `flaky.example` fails for now, `v4only.example` has only 10.0.0.9;
 * any other name is its own address.
 */
export function fakeSystem(servers: Readonly<Record<string, FakeServer>>, options: FakeSystemOptions = {}): FakeSystem {
  let now = START
  const calls: string[] = []
  const marks: string[] = []
  const daemonChecks: string[] = []
  const sent: string[] = []
  const frequencies: string[] = []
  let kernelPpm = options.kernelPpm ?? 0
  const change = (verb: string, offset: number, refusal: string) => {
    if (options.refuse) throw new ClockNotSetError(`${refusal}: ${options.refuse}`)
    calls.push(`${verb} ${offset.toFixed(6)}`)
  }
  const system: System = {
    timeDaemon: () => {
      daemonChecks.push(calls.length === 0 ? 'before any clock change' : 'after a clock change')
      return options.daemonHiddenBySet && calls.length > 0 ? undefined : options.daemon
    },
    canSetClock: () => options.canSetClock ?? true,
    drift: {
      read: (path) => {
        const text = options.driftFiles?.get(path)
        return text === undefined ? { absent: true } : { text }
      },
      write: (path, text) => void options.driftFiles?.set(path, text),
      bootId: () => options.bootId ?? 'fake-boot',
      // the fake clock only advances: boot time runs with it, and nothing steps it
      clocks: () => ({ boottimeSeconds: Number(now - START) / 1e9, realMinusBootSeconds: Number(START) / 1e9 }),
      kernelPpm: () => kernelPpm,
      setKernelPpm: (ppm) => {
        if (options.refuseFrequency) throw new Error(options.refuseFrequency)
        frequencies.push(`frequency ${ppm.toFixed(6)}`)
        return (kernelPpm = ppm)
      },
    },
    markSynchronised: (mark) => {
      marks.push(`maxerror ${mark.maxErrorMicros} µs, esterror ${mark.estErrorMicros} µs`)
      return options.markFails
    },
    keys: {
      readKeyFile: (path) => options.keyFiles?.[path] ?? { absent: true },
      symmetricAuth: async (key) => symmetricAuth(key),
    },
    // the in-process tests do not speak NTS: test/integration/nts.test.ts runs the real thing
    nts: async () => {
      throw new Error('no NTS in the in-process tests')
    },
    clock: {
      nowNanos: () => (now += 1_000n),
      step: (offset) => change('step', offset, "Can't set time of day"),
      slew: (offset) => change('slew', offset, "Can't adjust the time of day"),
    },
    resolve: async (host, family) => {
      if (host.endsWith('.invalid')) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
      if (host === 'flaky.example') throw Object.assign(new Error('getaddrinfo EAI_AGAIN flaky.example'), { code: 'EAI_AGAIN' })
      if (host === 'v4only.example') return family === 6 ? [] : [{ address: '10.0.0.9', family: 4 }]
      return [{ address: host, family: 4 }]
    },
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    openSocket: async (_family, listener: DatagramListener) => ({
      async send(bytes: Uint8Array, to: Endpoint) {
        sent.push(to.address)
        const server = servers[to.address]
        if (!server) return // a dead server
        const reply = serverReply(bytes, now + ONE_WAY_NANOS + BigInt(Math.round(server.ahead * 1e9)), server.stratum ?? 2)
        now += 2n * ONE_WAY_NANOS + SERVER_HOLD_NANOS
        const arrivedAt = now // T4 as the reply arrives, whatever else reads the clock before it is handled
        setImmediate(() => listener(reply, { address: to.address, port: to.port }, arrivedAt))
      },
      async close() {},
    }),
  }
  return { system, calls, marks, daemonChecks, sent, frequencies }
}

/** between a server's receive and transmit stamps */
export const SERVER_HOLD_NANOS = 10_000n

/** A server's reply to the request `bytes` that it received at `receivedAtNanos` by its clock. */
export function serverReply(bytes: Uint8Array, receivedAtNanos: bigint, stratum: number): Uint8Array {
  const request = decodePacket(bytes)
  return encodePacket({
    ...request,
    leap: 0,
    mode: NtpMode.Server,
    stratum,
    referenceTime: ntpFromUnixNanos(receivedAtNanos - 16_000_000_000n),
    originTime: request.transmitTime,
    receiveTime: ntpFromUnixNanos(receivedAtNanos),
    transmitTime: ntpFromUnixNanos(receivedAtNanos + SERVER_HOLD_NANOS),
  })
}

/** main()'s dependencies around `system`, with stdout and stderr collected; `more` adds or replaces. */
export function mainDeps(system: System, more: Partial<MainDeps> = {}): { deps: MainDeps; stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  const deps: MainDeps = {
    version: '0.1.0',
    pid: 4242,
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
    localTime: () => new Date(2026, 10, 25, 2, 33, 22),
    loadSystem: async () => system,
    ...more,
  }
  return { deps, stdout, stderr }
}
