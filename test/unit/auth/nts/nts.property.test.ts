/**
 * Property-based tests (fast-check) of NTS's parsers, which read what a hostile server sends:
 * whatever bytes arrive, an NTS-KE response parses to exactly one of complete, incomplete or a
 * failure, the same however the bytes are split as they arrive, and a reply check gives cookies or a reason, never a throw; only a reply sealed with
 * the server-to-client key over exactly its bytes ever authenticates.
 */
import fc from 'fast-check'
import t from 'tap'
import { aessiv } from '@noble/ciphers/aes.js'
import { KeResponseReader, parseKeResponse, type KeParse } from '../../../../src/auth/nts/ke-records.js'
import { checkNtsReply, FieldType } from '../../../../src/auth/nts/extension-fields.js'
import { aesSivCmac256 } from '../../../../src/io/crypto/aes-siv.js'
import { decodePacket, encodePacket, PacketParseError } from '../../../../src/ntp/packet.js'
import { replyTo } from '../../../helpers/unit.js'
import { holds } from '../../../helpers/property.js'
import { keResponse } from '../../../helpers/nts-ke-server.js'

const s2cKey = new Uint8Array(32).fill(2)
const s2c = aesSivCmac256(s2cKey)
const uniqueId = new Uint8Array(32).fill(0xaa)

t.test('parseKeResponse: any bytes give one answer, never a throw', async (t) => {
  holds(
    t,
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const parsed = parseKeResponse(bytes)
      return ['complete', 'incomplete', 'failure'].filter((k) => k in parsed).length === 1
    }),
    3000,
  )
})

t.test('parseKeResponse: a valid response with random records inserted still parses or names a failure', async (t) => {
  const record = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 40 })).map(([type, body]) => {
    const bytes = new Uint8Array(4 + body.length)
    new DataView(bytes.buffer).setUint16(0, type)
    new DataView(bytes.buffer).setUint16(2, body.length)
    bytes.set(body, 4)
    return bytes
  })
  holds(
    t,
    fc.property(fc.array(record, { maxLength: 5 }), (extra) => {
      const parsed = parseKeResponse(keResponse({ cookies: [new Uint8Array(64)], extra }))
      return 'complete' in parsed || 'failure' in parsed
    }),
    2000,
  )
})

t.test('KeResponseReader: however a response is split as it arrives, the answer is the whole one', async (t) => {
  const response = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.array(fc.uint8Array({ maxLength: 70 }), { maxLength: 4 }).map((cookies) => keResponse({ cookies })),
  )
  const kind = (parsed: KeParse) => Object.keys(parsed)[0]
  holds(
    t,
    fc.property(response, fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
      const reader = new KeResponseReader()
      let parsed: KeParse = { incomplete: true }
      for (const [i, from] of [0, ...points].entries()) parsed = reader.push(bytes.subarray(from, points[i] ?? bytes.length))
      const whole = parseKeResponse(bytes)
      // a failure's words may differ (End of Message then more data: which came first is not known in pieces)
      return kind(parsed) === kind(whole) && ('complete' in whole ? JSON.stringify(parsed) === JSON.stringify(whole) : true)
    }),
    3000,
  )
})

/** A reply with our UID and an authenticator over `trailer` fields. */
function replyWith(authenticatorBody: Uint8Array, more: { type: number; value: Uint8Array }[] = []): Uint8Array {
  return encodePacket({ ...replyTo(1n), extensions: [{ type: FieldType.UniqueIdentifier, value: uniqueId }, ...more, { type: FieldType.Authenticator, value: authenticatorBody }] })
}

t.test('checkNtsReply: random authenticators and fields never authenticate, never throw', async (t) => {
  const field = fc.record({ type: fc.integer({ min: 0, max: 0xffff }), value: fc.uint8Array({ minLength: 12, maxLength: 60 }).map((v) => v.subarray(0, v.length - (v.length % 4))) })
  holds(
    t,
    fc.property(
      fc.uint8Array({ minLength: 36, maxLength: 120 }).map((v) => v.subarray(0, v.length - (v.length % 4))),
      fc.array(field, { maxLength: 3 }),
      (body, more) => {
        let bytes: Uint8Array
        try {
          bytes = replyWith(
            body,
            more.filter((f) => f.value.length >= 12),
          )
          const packet = decodePacket(bytes)
          const result = checkNtsReply(bytes, packet, uniqueId, s2c)
          return 'kind' in result
        } catch (error) {
          return error instanceof PacketParseError
        }
      },
    ),
    2000,
  )
})

t.test('checkNtsReply: a sealed reply authenticates; any one flipped bit of it does not', async (t) => {
  const nonce = new Uint8Array(16).fill(8)
  const head = encodePacket({ ...replyTo(1n), extensions: [{ type: FieldType.UniqueIdentifier, value: uniqueId }] })
  const sealed = aessiv(s2cKey, head, nonce).encrypt(new Uint8Array(0))
  const body = new Uint8Array(4 + 16 + sealed.length)
  new DataView(body.buffer).setUint16(0, 16)
  new DataView(body.buffer).setUint16(2, sealed.length)
  body.set(nonce, 4)
  body.set(sealed, 20)
  const good = encodePacket({ ...decodePacket(head), extensions: [...decodePacket(head).extensions, { type: FieldType.Authenticator, value: body }] })
  t.same(checkNtsReply(good, decodePacket(good), uniqueId, s2c), { cookies: [], nak: false })
  holds(
    t,
    fc.property(fc.integer({ min: 0, max: good.length * 8 - 1 }), (bit) => {
      const bad = good.slice()
      bad[bit >> 3]! ^= 1 << (bit & 7)
      try {
        return 'kind' in checkNtsReply(bad, decodePacket(bad), uniqueId, s2c)
      } catch (error) {
        return error instanceof PacketParseError
      }
    }),
    1000,
  )
})
