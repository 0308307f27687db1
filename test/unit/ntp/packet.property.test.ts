/**
 * Property-based tests (fast-check) of the wire format and of the era-safe timestamp maths:
 * whatever bytes arrive, decoding returns a packet or throws PacketParseError; valid packets
 * round-trip exactly.
 */
import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import t from 'tap'
import { decodePacket, encodePacket, HEADER_LENGTH, PacketParseError, type ExtensionField, type LeapIndicator, type NtpMode, type NtpPacket } from '../../../src/ntp/packet.js'
import { diffSeconds, diffUnits, NTP_TO_UNIX_SECONDS, ntpFromUnixNanos, unixNanosFromNtp } from '../../../src/ntp/timestamp.js'
import { holds } from '../../helpers/property.js'
import { NANOS_PER_SECOND } from '../../helpers/unit.js'

const TWO_TO_63 = 1n << 63n
const TWO_TO_64 = 1n << 64n

// ---- Byte strings: fully random, and biased towards what a parser of the trailer must get right.

const anyBytes = fc.uint8Array({ minLength: 0, maxLength: 2000 })

const u16 = fc.integer({ min: 0, max: 0xffff })

/** Something shaped like an extension field (RFC 7822 §3): type, length, body — lengths often wrong. */
const extensionLikeChunk = fc
  .record({
    type: u16,
    declaredLength: fc.oneof(
      fc.integer({ min: 4, max: 50 }).map((k) => 4 * k), // valid: a multiple of 4, at least 16
      fc.integer({ min: 0, max: 40 }), // short or misaligned
      u16, // anything the 16-bit field can say
    ),
    body: fc.oneof(fc.constant('as-declared' as const), fc.constantFrom('4-short' as const, '4-long' as const), fc.integer({ min: 0, max: 64 })),
    fill: fc.integer({ min: 0, max: 0xff }),
  })
  .map(({ type, declaredLength, body, fill }) => {
    const asDeclared = Math.max(0, Math.min(declaredLength, 400) - 4)
    const bodyLength = body === 'as-declared' ? asDeclared : body === '4-short' ? Math.max(0, asDeclared - 4) : body === '4-long' ? asDeclared + 4 : body
    return concat(Uint8Array.of(type >> 8, type & 0xff, declaredLength >> 8, declaredLength & 0xff), new Uint8Array(bodyLength).fill(fill))
  })

/** A MAC-sized trailer (key id + 16- or 20-byte digest, RFC 5905 §7.3), or a near miss. */
const macLikeTail = fc.oneof(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.uint8Array({ minLength: 24, maxLength: 24 }), fc.uint8Array({ minLength: 0, maxLength: 30 }))

/** Any 48 bytes are a header: the decoder gives every bit a meaning. */
const header = fc.uint8Array({ minLength: HEADER_LENGTH, maxLength: HEADER_LENGTH })

const headerWithTrailer = fc.tuple(header, fc.array(extensionLikeChunk, { maxLength: 5 }), fc.option(macLikeTail), fc.option(fc.nat())).map(([head, chunks, tail, cut]) => {
  const bytes = concat(head, ...chunks, tail ?? new Uint8Array())
  return cut === null ? bytes : bytes.slice(0, cut % (bytes.length + 1))
})

/** Well-formed trailers: valid extension fields, then maybe a MAC, as a sender would build them. */
const wellFormedTrailer = fc
  .tuple(header, fc.array(validExtension(), { maxLength: 4 }), fc.option(validMac()))
  .filter(([, extensions, mac]) => followsRfc7822(extensions, mac ?? undefined))
  .map(([head, extensions, mac]) => concat(head, ...extensions.map(extensionBytes), mac ?? new Uint8Array()))

const interestingBytes = fc.oneof(anyBytes, headerWithTrailer, wellFormedTrailer)

// ---- Valid packets.

const u32 = fc.integer({ min: 0, max: 0xffff_ffff })
const timestamp = fc.oneof(fc.bigInt({ min: 0n, max: TWO_TO_64 - 1n }), fc.constantFrom(0n, TWO_TO_64 - 1n, (1n << 32n) - 1n, 1n << 32n, TWO_TO_63))
/** Root delay and dispersion are NTP short format, unsigned Q16.16 (RFC 5905 §6). */
const shortSeconds = fc.oneof(u32, fc.integer({ min: 0, max: 0xffff })).map((raw) => raw / 65_536)

function validExtension(): fc.Arbitrary<ExtensionField> {
  // RFC 7822 §3: a field is at least 16 octets and a multiple of 4; 4 of them are type and length.
  return fc
    .tuple(
      u16,
      fc.integer({ min: 3, max: 40 }).chain((words) => fc.uint8Array({ minLength: 4 * words, maxLength: 4 * words })),
    )
    .map(([type, value]) => ({ type, value }))
}

function validMac(): fc.Arbitrary<Uint8Array> {
  return fc.constantFrom(20, 24).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }))
}

/** RFC 7822 §7.5: without a MAC, the last extension field is at least 28 octets, so it cannot pass for one. */
function followsRfc7822(extensions: readonly ExtensionField[], mac: Uint8Array | undefined): boolean {
  const last = extensions.at(-1)
  return mac !== undefined || last === undefined || 4 + last.value.length >= 28
}

const validPacket: fc.Arbitrary<NtpPacket> = fc
  .record({
    leap: fc.constantFrom<LeapIndicator>(0, 1, 2, 3),
    version: fc.integer({ min: 0, max: 7 }),
    mode: fc.constantFrom<NtpMode>(0, 1, 2, 3, 4, 5, 6, 7),
    stratum: fc.integer({ min: 0, max: 255 }),
    poll: fc.integer({ min: -128, max: 127 }),
    precision: fc.integer({ min: -128, max: 127 }),
    rootDelay: shortSeconds,
    rootDispersion: shortSeconds,
    referenceId: u32,
    referenceTime: timestamp,
    originTime: timestamp,
    receiveTime: timestamp,
    transmitTime: timestamp,
    extensions: fc.array(validExtension(), { maxLength: 4 }),
    mac: fc.option(validMac(), { nil: undefined }),
  })
  .filter((p) => followsRfc7822(p.extensions, p.mac))
  .map((p) => ({ ...p })) // fc.record builds null-prototype objects; decodePacket returns plain ones

// ---- Properties.

t.test('any byte string decodes to a packet or throws PacketParseError, nothing else', async (t) => {
  let decoded = 0
  let refused = 0
  holds(
    t,
    fc.property(interestingBytes, fc.nat({ max: 7 }), (bytes, shift) => {
      const outcome = decodeOutcome(bytes) // any other throw fails the property with it
      outcome === 'refused' ? refused++ : decoded++
      // The same bytes seen through a view into a larger buffer (as a socket hands them over).
      const buffer = new Uint8Array(bytes.length + 2 * shift).fill(0xa5)
      buffer.set(bytes, shift)
      assert.deepEqual(decodeOutcome(buffer.subarray(shift, shift + bytes.length)), outcome)
    }),
    2000,
  )
  t.ok(decoded > 200 && refused > 200, `both outcomes occur (decoded ${decoded}, refused ${refused})`)
})

t.test('encode → decode gives back any valid packet', async (t) => {
  holds(
    t,
    fc.property(validPacket, (packet) => {
      const bytes = encodePacket(packet)
      const trailer = packet.extensions.reduce((sum, e) => sum + 4 + e.value.length, 0) + (packet.mac?.length ?? 0)
      assert.equal(bytes.length, HEADER_LENGTH + trailer)
      assert.deepEqual(decodePacket(bytes), packet)
    }),
    2000,
  )
})

t.test('whatever decodes re-encodes to the same bytes, and decodes the same again', async (t) => {
  let decoded = 0
  holds(
    t,
    fc.property(interestingBytes, (bytes) => {
      const first = decodeOutcome(bytes)
      if (first === 'refused') return
      decoded++
      const again = encodePacket(first)
      assert.deepEqual(again, bytes)
      assert.deepEqual(decodePacket(again), first)
    }),
    2000,
  )
  t.ok(decoded > 500, `${decoded} of the inputs decoded`)
})

t.test('diffUnits is antisymmetric, except at the half-era where the sign is undefined', async (t) => {
  const pair = fc.oneof(
    fc.tuple(timestamp, timestamp),
    // Around a − b = 2^63 (68 years), where two's complement cannot tell ahead from behind.
    fc.tuple(timestamp, fc.integer({ min: -3, max: 3 })).map(([b, d]) => [BigInt.asUintN(64, b + TWO_TO_63 + BigInt(d)), b] as const),
  )
  holds(
    t,
    fc.property(pair, ([a, b]) => {
      if (BigInt.asUintN(64, a - b) === TWO_TO_63) {
        assert.equal(diffUnits(a, b), -TWO_TO_63)
        assert.equal(diffUnits(b, a), -TWO_TO_63)
        return
      }
      assert.equal(diffUnits(a, b), -diffUnits(b, a))
      assert.ok(diffSeconds(a, b) === -diffSeconds(b, a)) // === because 0 and −0 are the same difference
    }),
    2000,
  )
})

t.test('diffUnits recovers any difference under 68 years across era rollovers', async (t) => {
  holds(
    t,
    fc.property(timestamp, fc.bigInt({ min: -TWO_TO_63 + 1n, max: TWO_TO_63 - 1n }), (b, d) => {
      assert.equal(diffUnits(BigInt.asUintN(64, b + d), b), d)
    }),
    2000,
  )
})

t.test('Unix nanoseconds → NTP → Unix nanoseconds is exact within 68 years of the pivot', async (t) => {
  // Both directions round to the nearest unit (2^-32 s ≈ 0.23 ns), so the error stays under half
  // a nanosecond and whole nanoseconds come back exactly. Eras −1 to 3 (1764–2444).
  const SPAN = 1n << 34n
  const unixNanos = fc.bigInt({ min: -SPAN * NANOS_PER_SECOND, max: SPAN * NANOS_PER_SECOND })
  const HALF_ERA_NANOS = (1n << 31n) * NANOS_PER_SECOND
  const pivotDistance = fc.oneof(fc.bigInt({ min: -HALF_ERA_NANOS + 1n, max: HALF_ERA_NANOS - 1n }), fc.bigInt({ min: -1_000_000_000n, max: 1_000_000_000n }))
  holds(
    t,
    fc.property(unixNanos, pivotDistance, (x, distance) => {
      assert.equal(unixNanosFromNtp(ntpFromUnixNanos(x), x + distance), x)
    }),
    2000,
  )
})

t.test('from 1900 on, ntpFromUnixNanos is within half a unit (2^-33 s) of the exact time, modulo the era', async (t) => {
  // Before 1900 (ntpNanos < 0) BigInt division truncates towards zero and the result can be one
  // unit off; no CLOCK_REALTIME reading is that old. Eras 0 to 3 (1900–2444).
  const ERA_NANOS_TIMES_UNIT = TWO_TO_64 * NANOS_PER_SECOND // one era (2^32 s) in units × 10^9
  const x = fc.bigInt({ min: -NTP_TO_UNIX_SECONDS * NANOS_PER_SECOND, max: (1n << 34n) * NANOS_PER_SECOND })
  holds(
    t,
    fc.property(x, (unixNanos) => {
      const ntpNanos = unixNanos + NTP_TO_UNIX_SECONDS * NANOS_PER_SECOND
      // ts · 10^9 − ntpNanos · 2^32, reduced into (−era/2, era/2]: the rounding error in units × 10^9.
      let error = (ntpFromUnixNanos(unixNanos) * NANOS_PER_SECOND - ntpNanos * (1n << 32n)) % ERA_NANOS_TIMES_UNIT
      if (error > ERA_NANOS_TIMES_UNIT / 2n) error -= ERA_NANOS_TIMES_UNIT
      if (error <= -ERA_NANOS_TIMES_UNIT / 2n) error += ERA_NANOS_TIMES_UNIT
      assert.ok(error >= -NANOS_PER_SECOND / 2n && error <= NANOS_PER_SECOND / 2n, `error ${error} / 1e9 units`)
    }),
    2000,
  )
})

// ---- Helpers.

/** The decoded packet, or 'refused' for a PacketParseError; anything else thrown propagates. */
function decodeOutcome(bytes: Uint8Array): NtpPacket | 'refused' {
  try {
    return decodePacket(bytes)
  } catch (error) {
    if (error instanceof PacketParseError) return 'refused'
    throw error
  }
}

function extensionBytes({ type, value }: ExtensionField): Uint8Array {
  const length = 4 + value.length
  return concat(Uint8Array.of(type >> 8, type & 0xff, length >> 8, length & 0xff), value)
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0))
  let offset = 0
  for (const part of parts) {
    bytes.set(part, offset)
    offset += part.length
  }
  return bytes
}
