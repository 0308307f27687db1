import t from 'tap'
import { randomBytes } from 'node:crypto'
import { DEFAULT_VERSION, newRequest } from '../../../src/ntp/exchange.js'
import { decodePacket, LeapIndicator, NtpMode } from '../../../src/ntp/packet.js'
import { hexOf, readHexFixture } from '../../helpers/unit.js'

const NONCE_BYTES = Uint8Array.from([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef])

t.test('newRequest builds a 48-byte client request carrying only the nonce', async (t) => {
  const { bytes, nonce } = newRequest(NONCE_BYTES)
  t.equal(bytes.length, 48)
  t.equal(nonce, 0x0123_4567_89ab_cdefn, 'nonce is the 8 bytes, big-endian')
  const p = decodePacket(bytes)
  t.equal(p.mode, NtpMode.Client)
  t.equal(p.version, DEFAULT_VERSION)
  t.equal(p.version, 4)
  t.equal(p.leap, LeapIndicator.Unsynchronized, 'a client claims no synchronization')
  t.equal(p.stratum, 0)
  t.equal(p.transmitTime, nonce, 'transmit timestamp is the nonce, not our clock')
  t.equal(p.originTime, 0n)
  t.equal(p.receiveTime, 0n)
  t.equal(p.referenceTime, 0n)
  t.equal(p.referenceId, 0)
  t.same(p.extensions, [])
  t.equal(p.mac, undefined)
})

t.test('newRequest is byte-for-byte the request chronyd answered in the fixtures', async (t) => {
  t.equal(hexOf(newRequest(NONCE_BYTES).bytes), hexOf(readHexFixture('chronyd-4.3-v4-request.hex')))
  const v3 = Uint8Array.from([0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10])
  t.equal(hexOf(newRequest(v3, 3).bytes), hexOf(readHexFixture('chronyd-4.3-v3-request.hex')))
})

t.test('newRequest puts the requested version on the wire', async (t) => {
  for (const version of [1, 2, 3, 4]) {
    t.equal(decodePacket(newRequest(NONCE_BYTES, version).bytes).version, version, `version ${version}`)
  }
})

t.test('newRequest with all-zero random bytes uses nonce 1, never "no timestamp"', async (t) => {
  const { bytes, nonce } = newRequest(new Uint8Array(8))
  t.equal(nonce, 1n)
  t.equal(decodePacket(bytes).transmitTime, 1n)
})

t.test('newRequest reads the 8 bytes of a view into a larger buffer', async (t) => {
  const big = new Uint8Array(16)
  big.set(NONCE_BYTES, 5)
  t.equal(newRequest(big.subarray(5, 13)).nonce, 0x0123_4567_89ab_cdefn)
})

t.test('newRequest with crypto random bytes gives distinct nonces', async (t) => {
  const nonces = new Set(Array.from({ length: 100 }, () => newRequest(randomBytes(8)).nonce))
  t.equal(nonces.size, 100)
})

t.test('newRequest refuses anything but 8 random bytes', async (t) => {
  for (const length of [0, 7, 9, 16]) {
    t.throws(() => newRequest(new Uint8Array(length)), RangeError, `${length} bytes`)
  }
})
