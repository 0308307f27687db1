/** What --nts needs of the system (run/load-nts.ts's NtsSources), gathered for bin.ts: TLS, the AEAD, the CA files, the cache directory. */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { readConfigFile } from '../files/read-config-file.js'
import { aesSivCmac256 } from '../crypto/aes-siv.js'
import { openCacheDir } from './nts-cache.js'
import type { verifyChainAt } from './cert-at-time.js'
import type { KeSettings, KeTarget } from '../../ports.js'

/** Debian's (and most distributions') bundle of the system's trusted CAs: what /etc/ssl/certs holds. */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
const MAX_CA_BYTES = 4 << 20

// node:tls and the certificate check load only when a key exchange needs them: a run from the
// cache makes no TLS connection, and should not pay for loading TLS either
export const ntsSystem = {
  exchangeKeys: async (target: KeTarget, settings: KeSettings) => (await import('./nts-ke.js')).exchangeKeys(target, settings),
  aead: aesSivCmac256,
  verifyChainAt: async (...args: Parameters<typeof verifyChainAt>) => (await import('./cert-at-time.js')).verifyChainAt(...args),
  openCache: openCacheDir,
  readCaFile: (path: string) => readConfigFile(path, MAX_CA_BYTES),
  async systemCas() {
    const bundle = readConfigFile(SYSTEM_CA_BUNDLE, MAX_CA_BYTES)
    // without the system's bundle, Node's own copy of the same (Mozilla) list
    return 'text' in bundle ? [bundle.text] : [...(await import('node:tls')).rootCertificates]
  },
  defaultCacheDir() {
    if (process.geteuid?.() === 0) return '/var/lib/tsntpdate'
    const state = process.env['XDG_STATE_HOME']
    return join(state && state.startsWith('/') ? state : join(homedir(), '.local', 'state'), 'tsntpdate')
  },
}
