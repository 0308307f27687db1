/** io/crypto/aes-siv.ts and the library under it: RFC 5297's test vectors (Appendix A), then our AEAD's use of it. */
import t from 'tap'
import { aessiv } from '@noble/ciphers/aes.js'
import { aesSivCmac256 } from '../../../../src/io/crypto/aes-siv.js'

const hex = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s/g, ''), 'hex'))
const toHex = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('hex')

t.test('RFC 5297 A.1, deterministic authenticated encryption', async (t) => {
  const key = hex('fffefdfc fbfaf9f8 f7f6f5f4 f3f2f1f0 f0f1f2f3 f4f5f6f7 f8f9fafb fcfdfeff')
  const ad = hex('10111213 14151617 18191a1b 1c1d1e1f 20212223 24252627')
  const plaintext = hex('11223344 55667788 99aabbcc ddee')
  const output = '85632d07c6e8f37f950acd320a2ecc93' + '40c02b9690c4dc04daef7f6afe5c'
  t.equal(toHex(aessiv(key, ad).encrypt(plaintext)), output)
  t.equal(toHex(aessiv(key, ad).decrypt(hex(output))), toHex(plaintext))
})

t.test('RFC 5297 A.2, nonce-based: the nonce is the last associated-data component', async (t) => {
  const key = hex('7f7e7d7c 7b7a7978 77767574 73727170 40414243 44454647 48494a4b 4c4d4e4f')
  const ad1 = hex('00112233 44556677 8899aabb ccddeeff deaddada deaddada ffeeddcc bbaa9988 77665544 33221100')
  const ad2 = hex('10203040 50607080 90a0')
  const nonce = hex('09f91102 9d74e35b d84156c5 635688c0')
  const plaintext = hex('74686973 20697320 736f6d65 20706c61 696e7465 78742074 6f20656e 63727970 74207573 696e6720 5349562d 414553')
  const output = '7bdb6e3b432667eb06f4d14bff2fbd0f' + 'cb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f748ba8af829ea64ad544a272e9c485b62a3fd5c0d'
  t.equal(toHex(aessiv(key, ad1, ad2, nonce).encrypt(plaintext)), output)
})

t.test('our AEAD: associated data, then the nonce (RFC 8915 §5.6); what is altered does not open', async (t) => {
  const key = new Uint8Array(32).map((_, i) => i)
  const aead = aesSivCmac256(key)
  const ad = new TextEncoder().encode('the NTP header and fields')
  const nonce = new Uint8Array(16).fill(9)
  const plaintext = new Uint8Array([1, 2, 3, 4])
  const sealed = aead.seal(ad, nonce, plaintext)
  t.equal(toHex(sealed), toHex(aessiv(key, ad, nonce).encrypt(plaintext)))
  t.equal(sealed.length, 16 + plaintext.length, 'a 16-byte tag, then the ciphertext')
  t.same(aead.open(ad, nonce, sealed), plaintext)
  t.equal(aead.open(ad, new Uint8Array(16), sealed), undefined, 'another nonce')
  t.equal(aead.open(ad.subarray(1), nonce, sealed), undefined, 'other associated data')
  const flipped = sealed.slice()
  flipped[17]! ^= 1
  t.equal(aead.open(ad, nonce, flipped), undefined, 'a flipped bit')
  t.equal(aead.open(ad, nonce, sealed.subarray(0, 8)), undefined, 'too short for a tag')
  t.throws(() => aesSivCmac256(new Uint8Array(16)), RangeError)
})
