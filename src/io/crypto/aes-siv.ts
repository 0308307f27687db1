/**
 * AEAD_AES_SIV_CMAC_256 (RFC 5297, NTS's AEAD 15) from @noble/ciphers: an audited implementation
 * (node:crypto has no SIV), checked against RFC 5297's vectors in test/unit/io/aes-siv.test.ts.
 * RFC 8915 §5.6: the associated data, then the nonce, are S2V's inputs before the plaintext.
 */
import { aessiv } from '@noble/ciphers/aes.js'
import type { Aead } from '../../auth/nts/aead.js'

export function aesSivCmac256(key: Uint8Array): Aead {
  if (key.length !== 32) throw new RangeError('AES-SIV-CMAC-256 needs a 32-byte key')
  return {
    seal: (associatedData, nonce, plaintext) => aessiv(key, associatedData, nonce).encrypt(plaintext),
    open(associatedData, nonce, ciphertext) {
      try {
        return aessiv(key, associatedData, nonce).decrypt(ciphertext)
      } catch {
        return undefined
      }
    },
  }
}
