/**
 * The NTS cookie cache on disk: one file per NTS-KE server in a directory of ours, 0700, with
 * files 0600, each replaced atomically. Keys in it are as good as the server's certificate, so a
 * directory or file that someone else owns or that others may read or write is not used (a local
 * user could otherwise read the keys and forge replies, or plant keys); it is one warning, and
 * the run does a fresh key exchange. The files are io/private-file.ts's; the record format is
 * auth/nts/cache-record.ts's.
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describeFileKind } from './file-kind.js'
import { readPrivateFile, writePrivateFile } from './private-file.js'

const MAX_RECORD_BYTES = 16_384

export interface CacheFiles {
  /** the record's text, or absent; a file we must not trust is a `refused` with why */
  read(keServer: { host: string; port: number }): { text: string } | { absent: true } | { refused: string }
  /** replaces the record atomically; throws the OS error */
  write(keServer: { host: string; port: number }, text: string): void
}

/** The cache in `dir`, made if missing; or why it cannot be used. */
export function openCacheDir(dir: string): CacheFiles | { unusable: string } {
  const uid = process.geteuid?.() ?? 0
  try {
    const made = mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined
    const stat = lstatSync(dir)
    if (!stat.isDirectory()) return { unusable: `${dir} is ${describeFileKind(stat)}, not a directory` }
    if (stat.uid !== uid) return { unusable: `${dir} belongs to uid ${stat.uid}, not to us (uid ${uid})` }
    // made now: our umask has had its say; one that was there is never changed (it may be /tmp)
    if (made && (stat.mode & 0o077) !== 0) chmodSync(dir, 0o700)
    else if ((stat.mode & 0o077) !== 0) return { unusable: `${dir} is open to others (mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}); chmod 700 ${dir}` }
  } catch (error) {
    return { unusable: `${dir}: ${(error as Error).message}` }
  }
  const pathOf = (keServer: { host: string; port: number }) => join(dir, fileName(keServer))
  return {
    read(keServer) {
      const read = readPrivateFile(pathOf(keServer), MAX_RECORD_BYTES)
      return 'tooLarge' in read ? { text: '' } : read // too large for a record of ours: corrupt, and replaced
    },
    write: (keServer, text) => writePrivateFile(pathOf(keServer), text),
  }
}

/** `nts-ke_time.example.org_4460.json`; an IPv6 address's colons become '_' (the record names the server exactly). */
export function fileName({ host, port }: { host: string; port: number }): string {
  return `nts-ke_${host.toLowerCase().replace(/[^a-z0-9.-]/g, '_')}_${port}.json`
}
