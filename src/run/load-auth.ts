/**
 * -a and -k: the key file read, judged and searched before any packet is sent; its problems are
 * usage errors (exit 2). It must be root's or ours (the effective uid's) and writable by no one
 * else, judged on fstat of what was opened (a symlink is followed, as ntpd and
 * chrony do).
 */
import { parseKeyFile } from '../auth/key-file.js'
import { UsageError } from '../errors.js'
import type { SymmetricAuth } from '../auth/symmetric.js'
import type { KeySources } from '../ports.js'

export async function loadAuth(keyId: number, path: string, sources: KeySources, warn: (line: string) => void): Promise<SymmetricAuth> {
  const read = sources.readKeyFile(path)
  if ('absent' in read) throw new UsageError(`-k ${path}: no such key file, or it cannot be read`)
  if ('refused' in read) throw new UsageError(`-k ${read.refused.replace(/; ignored$/, '')}`)
  // whoever can write the keys can make us trust their server, so only we (or root) may; a file
  // others can only read leaks the keys but cannot turn us: a warning
  const euid = process.geteuid?.() ?? 0
  const mode = (read.mode & 0o777).toString(8).padStart(4, '0')
  if (read.uid !== euid && read.uid !== 0) {
    throw new UsageError(`-k ${path}: the key file belongs to uid ${read.uid}, neither root nor us (uid ${euid}); not used`)
  }
  if ((read.mode & 0o022) !== 0) throw new UsageError(`-k ${path}: the key file is writable by group or others (mode ${mode}); not used: chmod 600 ${path}`)
  if ((read.mode & 0o077) !== 0) warn(`key file ${path} is open to others (mode ${mode}); keys are secrets: chmod 600 ${path}`)
  const parsed = parseKeyFile(read.text, path)
  if ('error' in parsed) throw new UsageError(parsed.error)
  parsed.warnings.forEach(warn)
  const key = parsed.keys.get(keyId)
  if (!key) throw new UsageError(`-a ${keyId}: ${path} has no key ${keyId}`)
  return sources.symmetricAuth(key)
}
