/** -a and -k: the key file read, judged and searched before any packet is sent; its problems are usage errors (exit 2). */
import { parseKeyFile, type SymmetricKey } from '../auth/key-file.js'
import type { SymmetricAuth } from '../auth/symmetric.js'
import { UsageError } from '../errors.js'
import type { ConfigFileRead } from '../io/read-config-file.js'

export interface KeySources {
  readKeyFile: (path: string) => ConfigFileRead
  symmetricAuth: (key: SymmetricKey) => Promise<SymmetricAuth>
}

export async function loadAuth(keyId: number, path: string, sources: KeySources, warn: (line: string) => void): Promise<SymmetricAuth> {
  const read = sources.readKeyFile(path)
  if ('absent' in read) throw new UsageError(`-k ${path}: no such key file, or it cannot be read`)
  if ('refused' in read) throw new UsageError(`-k ${read.refused.replace(/; ignored$/, '')}`)
  // keys are secrets: group or others may neither read nor write them
  if ((read.mode & 0o077) !== 0) {
    warn(`key file ${path} is open to others (mode ${(read.mode & 0o777).toString(8).padStart(4, '0')}); keys are secrets: chmod 600 ${path}`)
  }
  const parsed = parseKeyFile(read.text, path)
  if ('error' in parsed) throw new UsageError(parsed.error)
  const key = parsed.keys.get(keyId)
  if (!key) throw new UsageError(`-a ${keyId}: ${path} has no key ${keyId}`)
  return sources.symmetricAuth(key)
}
