/** src/io/libc/random-libc.ts: request nonces from getrandom(2), and the Web Crypto fallback for long reads. */
import t from 'tap'
import { kernelRandomBytes } from '../../../../src/io/libc/random-libc.js'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

t.test('nonces: the asked length, and never the same twice', async (t) => {
  const seen = new Set<string>()
  for (let i = 0; i < 1000; i++) seen.add(hex(kernelRandomBytes(8)))
  t.equal(seen.size, 1000, '1000 distinct 8-byte nonces')
  t.ok(
    [...seen].every((nonce) => nonce.length === 16),
    'each 8 bytes long',
  )
})

t.test('every byte value turns up: the buffer is really filled', async (t) => {
  const counts = new Array<number>(256).fill(0)
  for (let i = 0; i < 400; i++) for (const byte of kernelRandomBytes(256)) counts[byte]!++
  t.ok(
    counts.every((n) => n > 0),
    'all 256 values in 102,400 bytes',
  )
})

t.test('longer than getrandom(2) fills in one call: filled all the same, by Web Crypto', async (t) => {
  const bytes = kernelRandomBytes(4096)
  t.equal(bytes.length, 4096)
  t.ok(
    bytes.subarray(4000).some((byte) => byte !== 0),
    'the tail is filled too',
  )
})
