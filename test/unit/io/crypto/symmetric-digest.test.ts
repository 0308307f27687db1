/** src/io/crypto/symmetric-digest.ts: AES-CMAC against RFC 4493's vectors, the hashes as H(key ‖ data) cut to 20 bytes. */
import t from 'tap'
import { createHash } from 'node:crypto'
import { symmetricAuth } from '../../../../src/io/crypto/symmetric-digest.js'

const hex = (text: string) => Uint8Array.from(text.replace(/\s+/g, '').match(/../g) ?? [], (b) => parseInt(b, 16))
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const K = hex('2b7e1516 28aed2a6 abf71588 09cf4f3c')
const M64 = '6bc1bee2 2e409f96 e93d7e11 7393172a ae2d8a57 1e03ac9c 9eb76fac 45af8e51 30c81c46 a35ce411 e5fbc119 1a0a52ef f69f2445 df4f9b17 ad2b417b e66c3710'

t.test('AES-128-CMAC: RFC 4493 section 4, examples 1 to 4', async (t) => {
  const auth = symmetricAuth({ id: 1, algorithm: 'AES128CMAC', key: K })
  const m = hex(M64)
  const cases: [Uint8Array, string][] = [
    [m.subarray(0, 0), 'bb1d6929e95937287fa37d129b756746'],
    [m.subarray(0, 16), '070a16b46b4d4144f79bdd9dd04a287c'],
    [m.subarray(0, 40), 'dfa66747de9ae63030ca32611497c827'],
    [m, '51f0bebf7e3b9d92fc49741779363cfe'],
  ]
  for (const [message, mac] of cases) {
    t.equal(toHex(auth.digest(message)), mac, `${message.length} bytes`)
    t.ok(auth.verify(message, hex(mac)))
  }
  t.notOk(auth.verify(m, hex('51f0bebf7e3b9d92fc49741779363cff')), 'one bit off')
  t.notOk(auth.verify(m, hex('51f0bebf7e3b9d92')), 'too short')
})

t.test('MD5 and SHA*: H(key ‖ data), the SHA ones cut to 20 bytes, as ntpd and chrony do', async (t) => {
  const key = new TextEncoder().encode('secret')
  const data = hex('e3 00 03 ec'.padEnd(8, '0'))
  for (const [algorithm, hash, bytes] of [
    ['MD5', 'md5', 16],
    ['SHA1', 'sha1', 20],
    ['SHA256', 'sha256', 20],
    ['SHA512', 'sha512', 20],
    ['SHA3-256', 'sha3-256', 20],
  ] as const) {
    const digest = symmetricAuth({ id: 7, algorithm, key }).digest(data)
    t.equal(digest.length, bytes, `${algorithm}: ${bytes} bytes`)
    t.equal(
      toHex(digest),
      createHash(hash)
        .update(key)
        .update(data)
        .digest('hex')
        .slice(0, bytes * 2),
      algorithm,
    )
  }
})
