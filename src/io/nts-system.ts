/** What --nts needs of the system, gathered for bin.ts: TLS, the AEAD, the CA files, the cache directory. */
import { rootCertificates } from 'node:tls'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { readConfigFile } from './read-config-file.js'
import { aesSivCmac256 } from './aes-siv.js'
import { exchangeKeys } from './nts-ke.js'
import { verifyChainAt } from './cert-at-time.js'
import { openCacheDir } from './nts-cache.js'
import type { NtsSources } from '../cli/load-nts.js'

/** Debian's (and most distributions') bundle of the system's trusted CAs: what /etc/ssl/certs holds. */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
const MAX_CA_BYTES = 4 << 20

export const ntsSystem: NtsSources = {
  exchangeKeys,
  aead: aesSivCmac256,
  verifyChainAt,
  openCache: openCacheDir,
  readCaFile: (path) => readConfigFile(path, MAX_CA_BYTES),
  systemCas() {
    const bundle = readConfigFile(SYSTEM_CA_BUNDLE, MAX_CA_BYTES)
    // without the system's bundle, Node's own copy of the same (Mozilla) list
    return 'text' in bundle ? [bundle.text] : [...rootCertificates]
  },
  defaultCacheDir() {
    if (process.geteuid?.() === 0) return '/var/lib/tsntpdate'
    const state = process.env['XDG_STATE_HOME']
    return join(state && state.startsWith('/') ? state : join(homedir(), '.local', 'state'), 'tsntpdate')
  },
}
