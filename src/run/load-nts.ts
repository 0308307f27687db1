/** --nts, --nts-ca, --nts-cache: the trusted CAs and the cookie cache, made ready before any packet is sent. */
import { UsageError } from '../errors.js'
import type { CacheFiles, NtsSources } from '../ports.js'

export interface NtsReady {
  /** the CAs to trust, read when a key exchange first needs them */
  trustedCas: () => Promise<string[]>
  /** undefined: no cache this run (warned) */
  cache: CacheFiles | undefined
}

/** A --nts-ca that cannot be read or holds no certificate is a usage error (exit 2): nothing is sent. */
export function loadNts(ntsCa: string | undefined, ntsCache: string | undefined, sources: NtsSources, warn: (line: string) => void): NtsReady {
  let extra: string[] = []
  if (ntsCa !== undefined) {
    const read = sources.readCaFile(ntsCa)
    if ('absent' in read) throw new UsageError(`--nts-ca ${ntsCa}: no such file, or it cannot be read`)
    if ('refused' in read) throw new UsageError(`--nts-ca ${read.refused.replace(/; ignored$/, '')}`)
    if (!read.text.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--nts-ca ${ntsCa}: no PEM certificate in it`)
    extra = [read.text]
  }
  let cas: Promise<string[]> | undefined
  const trustedCas = () => (cas ??= sources.systemCas().then((system) => [...system, ...extra]))
  const dir = ntsCache ?? sources.defaultCacheDir()
  const opened = sources.openCache(dir)
  if ('unusable' in opened) warn(`NTS cookie cache not used: ${opened.unusable}; every run makes a fresh key exchange`)
  return { trustedCas, cache: 'unusable' in opened ? undefined : opened }
}
