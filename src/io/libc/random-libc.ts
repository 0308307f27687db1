/**
 * Request nonces from the kernel's CSPRNG by getrandom(2) through koffi: the source behind
 * node:crypto too, without loading it (Web Crypto measured ~1.7 ms of a ~100 ms run). Long or
 * short reads fall back to node:crypto's randomFillSync, loaded then (Node 18 has no global
 * `crypto`).
 */
import { createRequire } from 'node:module'
import { libc } from './ffi.js'
import type { RandomBytes } from '../../ports.js'

const MAX_WHOLE_READ = 256 // getrandom(2): reads up to 256 bytes are never short once the pool is ready

const getrandom = libc.func('intptr_t getrandom(_Out_ uint8_t *buffer, size_t length, unsigned int flags)')

export const kernelRandomBytes: RandomBytes = (count) => {
  const bytes = new Uint8Array(count)
  if (count > MAX_WHOLE_READ || Number(getrandom(bytes, count, 0)) !== count) return nodeCrypto().randomFillSync(bytes)
  return bytes
}

const nodeCrypto = () => createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')
