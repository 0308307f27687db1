import t from 'tap'
import { decodePacket, encodePacket, HEADER_LENGTH, LeapIndicator, NtpMode, PacketParseError, type NtpPacket } from '../../../src/ntp/packet.js'
import { checkSuitability } from '../../../src/ntp/suitability.js'
import { displayReferenceId } from '../../../src/ntp/refid.js'
import { hexOf, readHexFixture, refidOf, replyTo } from '../../helpers/unit.js'

/** Every header field set to something distinct from the defaults, with negative poll and precision. */
const full: NtpPacket = {
  leap: LeapIndicator.InsertSecond,
  version: 4,
  mode: NtpMode.Server,
  stratum: 3,
  poll: -6,
  precision: -29,
  rootDelay: 0.5 + 2 ** -16,
  rootDispersion: 3 * 2 ** -16,
  referenceId: 0xc0_00_02_01,
  referenceTime: 0xeeb0_cc75_42ff_4db1n,
  originTime: 0x0123_4567_89ab_cdefn,
  receiveTime: 0xeeb0_cc77_13bb_611bn,
  transmitTime: 0xeeb0_cc77_13c8_6cban,
  extensions: [],
  mac: undefined,
}

const bytesOf = (n: number, fill: number) => new Uint8Array(n).fill(fill)

/** A header followed by `trailer`, to feed the trailer parser raw bytes. */
function withTrailer(trailer: number[] | Uint8Array): Uint8Array {
  const header = encodePacket(replyTo(1n))
  const out = new Uint8Array(header.length + trailer.length)
  out.set(header)
  out.set(trailer, header.length)
  return out
}

/** An extension field header (type, length) followed by `valueLength` zero bytes. */
function extension(type: number, length: number, valueLength = Math.max(0, length - 4)): number[] {
  return [type >> 8, type & 0xff, length >> 8, length & 0xff, ...new Array<number>(valueLength).fill(0)]
}

t.test('encode writes every header field where RFC 5905 puts it', async (t) => {
  const bytes = encodePacket(full)
  t.equal(bytes.length, HEADER_LENGTH)
  t.equal(hexOf(bytes.subarray(0, 4)), '6403fae3', 'LI 1, VN 4, mode 4; stratum 3; poll -6; precision -29')
  t.equal(hexOf(bytes.subarray(4, 16)), '00008001' + '00000003' + 'c0000201', 'root delay, root dispersion, refid')
  t.equal(hexOf(bytes.subarray(16)), 'eeb0cc7542ff4db1' + '0123456789abcdef' + 'eeb0cc7713bb611b' + 'eeb0cc7713c86cba')
})

t.test('decode(encode(p)) gives p back', async (t) => {
  t.same(decodePacket(encodePacket(full)), full, 'every header field')
  for (const leap of [0, 1, 2, 3] as const) {
    for (const mode of [0, 1, 2, 3, 4, 5, 6, 7] as const) {
      const p = { ...full, leap, mode, version: (leap + mode) % 8 }
      t.same(decodePacket(encodePacket(p)), p, `leap ${leap}, mode ${mode}, version ${p.version}`)
    }
  }
  for (const [poll, precision] of [
    [-128, -128],
    [127, 127],
    [0, 0],
    [17, -1],
  ]) {
    const p = { ...full, poll: poll!, precision: precision! }
    t.same(decodePacket(encodePacket(p)), p, `poll ${poll}, precision ${precision}`)
  }
  const extremes = { ...full, stratum: 255, referenceId: 0xffff_ffff, transmitTime: 0xffff_ffff_ffff_ffffn, rootDelay: 65_536 - 2 ** -16 }
  t.same(decodePacket(encodePacket(extremes)), extremes, 'all-ones fields stay unsigned')
})

t.test('extension fields and MACs round-trip', async (t) => {
  const ext1 = { type: 0x0104, value: bytesOf(12, 0xaa) } // 16 bytes on the wire, the minimum
  const ext2 = { type: 0x0204, value: bytesOf(28, 0xbb) } // 32 bytes
  const mac20 = Uint8Array.from({ length: 20 }, (_, i) => i + 1) // key id + 16-byte digest (MD5)
  const mac24 = Uint8Array.from({ length: 24 }, (_, i) => 0xf0 - i) // key id + 20-byte digest (SHA-1)
  const cases: [string, Partial<NtpPacket>, number][] = [
    ['one extension field', { extensions: [ext1] }, 64],
    ['two extension fields', { extensions: [ext1, ext2] }, 96],
    ['a 20-byte MAC', { mac: mac20 }, 68],
    ['a 24-byte MAC', { mac: mac24 }, 72],
    ['extension fields then a 20-byte MAC', { extensions: [ext1, ext2], mac: mac20 }, 116],
    ['an extension field then a 24-byte MAC', { extensions: [ext2], mac: mac24 }, 104],
  ]
  for (const [name, fields, length] of cases) {
    const p = { ...full, ...fields }
    const bytes = encodePacket(p)
    t.equal(bytes.length, length, `${name}: ${length} bytes`)
    t.same(decodePacket(bytes), p, name)
  }
  t.equal(hexOf(encodePacket({ ...full, extensions: [ext1] }).subarray(48, 52)), '01040010', 'type then total length')
})

t.test('decode reads a packet that sits inside a larger buffer', async (t) => {
  const big = new Uint8Array(100).fill(0x55)
  big.set(encodePacket(full), 10)
  t.same(decodePacket(big.subarray(10, 58)), full)
})

t.test('decode of captured chronyd 4.3 replies', async (t) => {
  const v4 = readHexFixture('chronyd-4.3-v4-reply.hex')
  const p = decodePacket(v4)
  t.same(p, {
    leap: LeapIndicator.None,
    version: 4,
    mode: NtpMode.Server,
    stratum: 2,
    poll: 3,
    precision: -26,
    rootDelay: 0,
    rootDispersion: 0,
    referenceId: 0x7f7f_0101,
    referenceTime: 0xeeb0_cc75_42ff_4db1n,
    originTime: 0x0123_4567_89ab_cdefn,
    receiveTime: 0xeeb0_cc77_13bb_611bn,
    transmitTime: 0xeeb0_cc77_13c8_6cban,
    extensions: [],
    mac: undefined,
  })
  t.equal(displayReferenceId(p.referenceId, p.stratum), '127.127.1.1', 'chronyd local reference')
  t.equal(hexOf(encodePacket(p)), hexOf(v4), 're-encodes to the captured bytes')
  t.equal(checkSuitability(p), null, 'passes the suitability checks')

  const v3 = decodePacket(readHexFixture('chronyd-4.3-v3-reply.hex'))
  t.equal(v3.version, 3, 'chronyd answers a v3 request in v3')
  t.equal(v3.mode, NtpMode.Server)
  t.equal(v3.originTime, 0xfedc_ba98_7654_3210n, 'echoes the v3 nonce')
})

t.test('decode rejects what is not an NTP packet with PacketParseError', async (t) => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /too short: 0 bytes/],
    ['47 bytes', new Uint8Array(47), /too short: 47 bytes/],
    ['stray 8-byte trailer', withTrailer(bytesOf(8, 0)), /trailing 8 bytes/],
    ['stray 8-byte trailer', withTrailer(bytesOf(8, 0)), /trailing 8 bytes/],
    ['stray 12-byte trailer', withTrailer(bytesOf(12, 0)), /trailing 12 bytes/],
    ['extension length 0', withTrailer(extension(1, 0, 28)), /bad extension field length 0 at byte 48/],
    ['extension length 12 (< 16)', withTrailer(extension(1, 12, 12)), /bad extension field length 12/],
    ['extension length 18 (not a multiple of 4)', withTrailer(extension(1, 18, 28)), /bad extension field length 18/],
    ['extension longer than the packet', withTrailer(extension(1, 64, 28)), /bad extension field length 64/],
    ['good extension, then 8 stray bytes', withTrailer([...extension(1, 32), ...bytesOf(8, 0)]), /trailing 8 bytes/],
    ['good extension, then a bad one', withTrailer([...extension(1, 16), ...extension(2, 40, 28)]), /length 40 at byte 64/],
  ]
  for (const [name, bytes, message] of cases) {
    t.throws(() => decodePacket(bytes), { name: 'PacketParseError', message }, name)
    t.throws(() => decodePacket(bytes), PacketParseError, `${name}: is a PacketParseError`)
  }
})

t.test('a trailer of exactly 20 or 24 bytes is a MAC, anything else longer is extension fields', async (t) => {
  t.same(decodePacket(withTrailer(bytesOf(20, 7))).mac, bytesOf(20, 7))
  t.same(decodePacket(withTrailer(bytesOf(24, 7))).mac, bytesOf(24, 7))
  const p = decodePacket(withTrailer(extension(0x0104, 28)))
  t.equal(p.mac, undefined)
  t.same(p.extensions, [{ type: 0x0104, value: new Uint8Array(24) }])
})

t.test('decode never throws anything but PacketParseError', async (t) => {
  // A seeded xorshift stands in for a fuzzer: random lengths and bytes, plus every truncation
  // and every single-byte extension length of a valid packet with a trailer.
  let state = 0x2545_f491
  const next = () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state >>> 0
  }
  const inputs: Uint8Array[] = []
  for (let i = 0; i < 2000; i++) {
    inputs.push(Uint8Array.from({ length: next() % 160 }, () => next() & 0xff))
  }
  const valid = encodePacket({ ...full, extensions: [{ type: 1, value: bytesOf(28, 1) }], mac: bytesOf(24, 2) })
  for (let n = 0; n <= valid.length; n++) inputs.push(valid.slice(0, n))
  for (let length = 0; length < 256; length++) {
    const bytes = valid.slice()
    bytes[51] = length
    inputs.push(bytes)
  }
  let decoded = 0
  let other: unknown
  for (const bytes of inputs) {
    try {
      decodePacket(bytes)
      decoded++
    } catch (error) {
      if (!(error instanceof PacketParseError)) other ??= error
    }
  }
  t.equal(other, undefined, 'no other error type')
  t.ok(decoded > 0 && decoded < inputs.length, `some inputs decode (${decoded}) and some do not`)
})

t.test("a hand-built Kiss-o'-Death round-trips with its code in the refid", async (t) => {
  const kod = replyTo(5n, { stratum: 0, leap: LeapIndicator.Unsynchronized, referenceId: refidOf('RATE') })
  const bytes = encodePacket(kod)
  t.equal(hexOf(bytes.subarray(12, 16)), Buffer.from('RATE').toString('hex'))
  t.same(decodePacket(bytes), kod)
})
