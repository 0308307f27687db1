/** auth/nts/extension-fields.ts: an NTS request as the server reads it, and which replies count (RFC 8915 §5). */
import t from 'tap'
import { aessiv } from '@noble/ciphers/aes.js'
import { checkNtsReply, cookiesToRequest, FieldType, protectRequest } from '../../../../src/auth/nts/extension-fields.js'
import { aesSivCmac256 } from '../../../../src/io/crypto/aes-siv.js'
import { decodePacket, encodePacket, type ExtensionField } from '../../../../src/ntp/packet.js'
import { newRequest } from '../../../../src/ntp/exchange.js'
import { kissOfDeath, replyTo } from '../../../helpers/unit.js'

const c2sKey = new Uint8Array(32).fill(1)
const s2cKey = new Uint8Array(32).fill(2)
const [c2s, s2c] = [aesSivCmac256(c2sKey), aesSivCmac256(s2cKey)]
const uniqueId = new Uint8Array(32).fill(0xaa)
const header = newRequest(new Uint8Array(8).fill(3)).bytes

t.test('the request: header, Unique Identifier, Cookie, Placeholders, then an authenticator over all of it', async (t) => {
  const cookie = new Uint8Array(102).fill(5) // not a multiple of 4: padded
  const bytes = protectRequest(header, { uniqueId, nonce: new Uint8Array(16).fill(6), cookie, cookiesWanted: 3 }, c2s)
  const packet = decodePacket(bytes)
  t.same(
    packet.extensions.map((e) => e.type),
    [FieldType.UniqueIdentifier, FieldType.Cookie, FieldType.CookiePlaceholder, FieldType.CookiePlaceholder, FieldType.Authenticator],
  )
  t.same(packet.extensions[1]!.value.subarray(0, 102), cookie)
  t.equal(packet.extensions[2]!.value.length, 104)
  t.ok(packet.extensions[2]!.value.every((b) => b === 0))
  const auth = packet.extensions[4]!.value
  const view = new DataView(auth.buffer, auth.byteOffset)
  t.equal(view.getUint16(0), 16, 'nonce length')
  t.equal(view.getUint16(2), 16, 'ciphertext length: the tag of nothing')
  const associated = bytes.subarray(0, bytes.length - 4 - auth.length)
  t.equal(
    Buffer.from(auth.subarray(20, 36)).toString('hex'),
    Buffer.from(aessiv(c2sKey, associated, auth.subarray(4, 20)).encrypt(new Uint8Array(0))).toString('hex'),
    'the server opens it with the C2S key',
  )
})

t.test('how many cookies to ask for: back up to 8, within 864 bytes (chrony)', async (t) => {
  t.equal(cookiesToRequest(7, 100, 8), 1)
  t.equal(cookiesToRequest(0, 100, 8), 8)
  t.equal(cookiesToRequest(0, 200, 8), 4, '864 / 204')
  t.equal(cookiesToRequest(8, 100, 8), 1, 'always at least the one spent')
})

/** A reply as an NTS server makes it: our UID, then the authenticator with `cookies` encrypted. */
function ntsReply(options: { uid?: Uint8Array; cookies?: Uint8Array[]; key?: Uint8Array; tamper?: boolean; after?: ExtensionField[] } = {}) {
  const base = encodePacket({ ...replyTo(1n), extensions: [{ type: FieldType.UniqueIdentifier, value: options.uid ?? uniqueId }] })
  const plaintext = encodePacket({ ...replyTo(1n), extensions: (options.cookies ?? []).map((value) => ({ type: FieldType.Cookie, value })) }).subarray(48)
  const nonce = new Uint8Array(16).fill(8)
  const sealed = aessiv(options.key ?? s2cKey, base, nonce).encrypt(plaintext)
  if (options.tamper) sealed[0]! ^= 1
  const body = new Uint8Array(4 + 16 + sealed.length)
  new DataView(body.buffer).setUint16(0, 16)
  new DataView(body.buffer).setUint16(2, sealed.length)
  body.set(nonce, 4)
  body.set(sealed, 20)
  const packet = { ...decodePacket(base), extensions: [...decodePacket(base).extensions, { type: FieldType.Authenticator, value: body }, ...(options.after ?? [])] }
  const bytes = encodePacket(packet)
  return { bytes, packet: decodePacket(bytes) }
}

t.test('a reply that authenticates gives its encrypted cookies', async (t) => {
  const cookies = [new Uint8Array(100).fill(1), new Uint8Array(100).fill(2)]
  const { bytes, packet } = ntsReply({ cookies })
  t.same(checkNtsReply(bytes, packet, uniqueId, s2c), { cookies, nak: false })
})

t.test('refused: another UID, no authenticator, the wrong key, a flipped bit, fields after the authenticator, plain', async (t) => {
  const check = (r: { bytes: Uint8Array; packet: ReturnType<typeof decodePacket> }) => checkNtsReply(r.bytes, r.packet, uniqueId, s2c)
  t.match(check(ntsReply({ uid: new Uint8Array(32) })), { kind: 'nts-unauthenticated', detail: 'no Unique Identifier of ours' })
  t.match(check(ntsReply({ key: c2sKey })), { detail: 'does not authenticate with our key' })
  t.match(check(ntsReply({ tamper: true })), { detail: 'does not authenticate with our key' })
  t.match(check(ntsReply({ after: [{ type: FieldType.Cookie, value: new Uint8Array(100) }] })), { detail: 'extension fields after the authenticator' })
  const plain = encodePacket(replyTo(1n))
  t.match(checkNtsReply(plain, decodePacket(plain), uniqueId, s2c), { detail: 'no Unique Identifier of ours' })
  const uidOnly = encodePacket({ ...replyTo(1n), extensions: [{ type: FieldType.UniqueIdentifier, value: uniqueId }] })
  t.match(checkNtsReply(uidOnly, decodePacket(uidOnly), uniqueId, s2c), { detail: 'no NTS authenticator' })
})

t.test('an NTS NAK: kiss NTSN with our UID and no authenticator; without our UID it is nothing', async (t) => {
  const nak = encodePacket({ ...kissOfDeath(1n, 'NTSN'), extensions: [{ type: FieldType.UniqueIdentifier, value: uniqueId }] })
  t.same(checkNtsReply(nak, decodePacket(nak), uniqueId, s2c), { cookies: [], nak: true })
  const forged = encodePacket({ ...kissOfDeath(1n, 'NTSN'), extensions: [{ type: FieldType.UniqueIdentifier, value: new Uint8Array(32) }] })
  t.match(checkNtsReply(forged, decodePacket(forged), uniqueId, s2c), { kind: 'nts-unauthenticated' })
  const deny = encodePacket({ ...kissOfDeath(1n, 'DENY'), extensions: [{ type: FieldType.UniqueIdentifier, value: uniqueId }] })
  t.match(checkNtsReply(deny, decodePacket(deny), uniqueId, s2c), { detail: 'no NTS authenticator' }, 'any other kiss must authenticate')
})
