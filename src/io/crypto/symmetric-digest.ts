/**
 * The digests of symmetric-key MACs: MD5 and SHA* from node:crypto, as H(key ‖ packet) truncated
 * to 20 bytes the way ntpd and chrony do; AES-CMAC (RFC 4493, RFC 8573) from @noble/ciphers, an
 * audited implementation (node:crypto has no CMAC).
 */
import { cmac } from '@noble/ciphers/aes.js'
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Algorithm, SymmetricKey } from '../../auth/key-file.js'
import type { SymmetricAuth } from '../../auth/symmetric.js'

const TRUNCATED_DIGEST_BYTES = 20
const HASHES: Partial<Record<Algorithm, string>> = {
  MD5: 'md5',
  SHA1: 'sha1',
  SHA256: 'sha256',
  SHA384: 'sha384',
  SHA512: 'sha512',
  'SHA3-224': 'sha3-224',
  'SHA3-256': 'sha3-256',
  'SHA3-384': 'sha3-384',
  'SHA3-512': 'sha3-512',
}

export function symmetricAuth({ id, algorithm, key }: SymmetricKey): SymmetricAuth {
  const hash = HASHES[algorithm]
  const digest = hash === undefined ? (data: Uint8Array) => cmac(data, key) : (data: Uint8Array) => createHash(hash).update(key).update(data).digest().subarray(0, TRUNCATED_DIGEST_BYTES)
  return {
    keyId: id,
    algorithm,
    digest,
    verify: (data, given) => {
      const expected = digest(data)
      return expected.length === given.length && timingSafeEqual(expected, given)
    },
  }
}
