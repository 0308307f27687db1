/**
 * koffi (the FFI), loaded the short way: its prebuilt native module for this platform, directly.
 * koffi's package entry finds the same module through a loader (ELF reads, a CommonJS package
 * hop) that was measured to add ~10 ms to a ~60 ms start (Node 20, x64). Where the short way does
 * not fit (musl, another platform, a koffi with another layout) the package entry is used.
 */
import { createRequire } from 'node:module'
import type Koffi from 'koffi'

export type KoffiApi = typeof Koffi

const require = createRequire(import.meta.url)

function loadPrebuilt(): KoffiApi | undefined {
  if (process.platform !== 'linux') return undefined
  try {
    const native = require(`@koromix/koffi-linux-${process.arch}/linux_${process.arch}/koffi.node`)
    return typeof native?.load === 'function' && typeof native?.errno === 'function' ? (native as KoffiApi) : undefined
  } catch {
    return undefined
  }
}

export const koffi: KoffiApi = loadPrebuilt() ?? (require('koffi') as KoffiApi)

/**
 * The C library every FFI module of ours calls into (64-bit glibc Linux), found the way the
 * process's own calls find it (dlopen(NULL)): so a preloaded library such as faketime's sees our
 * clock reads as it sees OpenSSL's, and the run has one idea of the time.
 */
export const libc = koffi.load(null)

/** strerror(3) */
export const strerror: (errno: number) => string = libc.func('const char *strerror(int)')

/** the words for the errno the last FFI call left */
export function lastErrorText(): string {
  return String(strerror(koffi.errno()))
}
