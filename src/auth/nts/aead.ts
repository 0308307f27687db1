/** An AEAD cipher with one key (RFC 5116), as NTS uses it (RFC 8915 §5.6). Implemented in io/crypto/aes-siv.ts. */
export interface Aead {
  /** the ciphertext (for SIV: the 16-byte tag, then the encrypted plaintext) */
  seal(associatedData: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array
  /** the plaintext, or undefined when the ciphertext does not authenticate */
  open(associatedData: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined
}
