/** src/auth/symmetric.ts: the MAC a request carries, and why a reply's does not verify. */
import t from 'tap'
import { checkMac, withMac } from '../../../src/auth/symmetric.js'
import { symmetricAuth } from '../../../src/io/crypto/symmetric-digest.js'
import { decodePacket, encodePacket } from '../../../src/ntp/packet.js'
import { replyTo } from '../../helpers/unit.js'

const key = { id: 3, algorithm: 'AES128CMAC' as const, key: Uint8Array.from({ length: 16 }, (_, i) => i) }
const auth = symmetricAuth(key)
const signed = (bytes: Uint8Array) => withMac(bytes, auth)
const check = (bytes: Uint8Array) => checkMac(bytes, decodePacket(bytes), auth)

t.test('a request carries key id and digest after the header; a reply signed alike verifies', async (t) => {
  const plain = encodePacket(replyTo(1n))
  const bytes = signed(plain)
  t.equal(bytes.length, 48 + 4 + 16)
  t.equal(new DataView(bytes.buffer).getUint32(48), 3, 'the key id')
  t.same(bytes.subarray(52), auth.digest(plain), 'the digest of the 48 bytes before it')
  t.equal(check(bytes), null)
  const sha = symmetricAuth({ id: 9, algorithm: 'SHA256', key: new TextEncoder().encode('k') })
  t.equal(withMac(plain, sha).length, 48 + 24, 'SHA256: 4 + 20 bytes')
  t.equal(checkMac(withMac(plain, sha), decodePacket(withMac(plain, sha)), sha), null)
})

t.test('what does not verify, and why', async (t) => {
  const plain = encodePacket(replyTo(1n))
  t.same(check(plain), { kind: 'no-mac' })
  const nak = new Uint8Array(52)
  nak.set(plain)
  t.same(check(nak), { kind: 'crypto-nak' }, 'a MAC of a zero key id alone')
  const other = withMac(plain, symmetricAuth({ ...key, id: 4 }))
  t.same(check(other), { kind: 'wrong-key-id', keyId: 4 })
  const tampered = signed(plain)
  tampered[40] = (tampered[40] ?? 0) ^ 1 // the transmit timestamp
  t.same(check(tampered), { kind: 'bad-mac' })
  const wrongKey = withMac(plain, symmetricAuth({ ...key, key: new Uint8Array(16) }))
  t.same(check(wrongKey), { kind: 'bad-mac' }, 'same key id, another key')
})
