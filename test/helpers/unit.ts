/** Small builders shared by the unit tests: packets, samples, servers, hex fixtures, argv errors. */
import { readFileSync } from 'node:fs'
import { parseArgs } from '../../src/cli/args.js'
import { LeapIndicator, NtpMode, type NtpPacket } from '../../src/ntp/packet.js'
import { MINDISP, type Sample } from '../../src/ntp/sample.js'
import type { Kiss } from '../../src/ntp/kiss.js'
import type { ServerObservation } from '../../src/ntp/observation.js'
import { ntpFromUnixNanos, type NtpTimestamp } from '../../src/ntp/timestamp.js'
import type { AddressFamily, Server } from '../../src/ntp/endpoint.js'

export const NANOS_PER_SECOND = 1_000_000_000n

/** 2036-02-07T06:28:16Z: the NTP seconds field wraps from 0xffffffff to 0 (end of era 0). */
export const ERA_1_START_UNIX_SECONDS = 2_085_978_496n

/** Unix nanoseconds from whole seconds plus an exact decimal fraction, e.g. at(1_700_000_000n, 0.25). */
export function at(unixSeconds: bigint, plusSeconds = 0): bigint {
  return unixSeconds * NANOS_PER_SECOND + BigInt(Math.round(plusSeconds * 1e9))
}

/** A refid from four ASCII characters ('RATE', 'GPS' padded with NULs). */
export function refidOf(text: string): number {
  const bytes = [...text.padEnd(4, '\0')].map((c) => c.charCodeAt(0))
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0
}

/**
 * A well-formed server reply (mode 4, stratum 2, leap none) to the request carrying `nonce`;
 * `overrides` breaks or changes exactly the fields a test is about.
 */
export function replyTo(nonce: NtpTimestamp, overrides: Partial<NtpPacket> = {}): NtpPacket {
  const now = ntpFromUnixNanos(at(1_764_038_000n))
  return {
    leap: LeapIndicator.None,
    version: 4,
    mode: NtpMode.Server,
    stratum: 2,
    poll: 3,
    precision: -20,
    rootDelay: 0,
    rootDispersion: 0,
    referenceId: refidOf('\x7f\x7f\x01\x01'),
    referenceTime: now - (16n << 32n),
    originTime: nonce,
    receiveTime: now,
    transmitTime: now + 4_295n, // ~1 µs later
    extensions: [],
    mac: undefined,
    ...overrides,
  }
}

/** A Kiss-o'-Death reply: stratum 0, the code in the refid, leap 3 as servers send it. */
export function kissOfDeath(nonce: NtpTimestamp, code: string): NtpPacket {
  return replyTo(nonce, { stratum: 0, leap: LeapIndicator.Unsynchronized, referenceId: refidOf(code) })
}

export function server(address: string, port = 123, family: AddressFamily = address.includes(':') ? 6 : 4): Server {
  return { name: address, address, port, family }
}

/** A sample with the given delay/offset; its packet is a normal reply unless `packet` says otherwise. */
export function sampleOf(fields: { delay: number; offset?: number; stratum?: number; dispersion?: number; receivedAtNanos?: bigint; packet?: Partial<NtpPacket> }): Sample {
  const packet = replyTo(1n, { stratum: fields.stratum ?? 2, ...fields.packet })
  return {
    offset: fields.offset ?? 0,
    delay: fields.delay,
    dispersion: fields.dispersion ?? 0,
    rootDistance: Math.max(MINDISP, packet.rootDelay + fields.delay) / 2 + packet.rootDispersion + (fields.dispersion ?? 0),
    sentAtNanos: 0n,
    receivedAtNanos: fields.receivedAtNanos ?? 0n,
    stratum: packet.stratum,
    packet,
  }
}

/** What the query loop hands selection for one server. */
export function observed(on: Server, replies: Sample[], kisses: Kiss[] = []): ServerObservation {
  return { server: on, replies, kisses, unauthenticated: 0 }
}

/** A kiss as ntp/classify.ts reads it. */
export function kiss(code: string, receivedAtNanos = 0n): Kiss {
  const action = code === 'DENY' || code === 'RSTR' ? 'withdraw' : code === 'RATE' ? 'rate-limit' : code === 'NTSN' ? 're-key' : 'note'
  return { code, action, receivedAtNanos }
}

/** Bytes of a hex fixture in test/fixtures/; `#` starts a comment, whitespace is ignored. */
export function readHexFixture(name: string): Uint8Array {
  const text = readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
  const hex = text.replace(/#.*$/gm, '').replace(/\s+/g, '')
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new Error(`fixture ${name} is not hex`)
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16))
}

export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

/** |actual − expected| <= tolerance, for float maths on timestamps (2^-32 s grain). */
export function near(actual: number, expected: number, tolerance = 1e-9): boolean {
  return Math.abs(actual - expected) <= tolerance
}

/** The error parseArgs throws for `argv`, or undefined when it does not throw. */
export function parseArgsError(argv: string[]): unknown {
  try {
    parseArgs(argv)
  } catch (error) {
    return error
  }
  return undefined
}
