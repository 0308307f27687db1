/**
 * The NTS cookie cache on disk: one file per NTS-KE server in a directory of ours, 0700, with
 * files 0600, each replaced atomically. Keys in it are as good as the server's certificate, so a
 * directory or file that someone else owns or that others may read or write is not used (a local
 * user could otherwise read the keys and forge replies, or plant keys); it is one warning, and
 * the run does a fresh key exchange. The directory is io/files/state-dir.ts's, the files
 * io/files/private-file.ts's, the record format auth/nts/cache-record.ts's.
 */
import { join } from 'node:path'
import { readPrivateFile, writePrivateFile } from '../files/private-file.js'
import { ownDirectory, PRIVATE } from '../files/state-dir.js'
import type { CacheFiles } from '../../ports.js'

const MAX_RECORD_BYTES = 16_384

/** The cache in `dir`, made if missing; or why it cannot be used. */
export function openCacheDir(dir: string): CacheFiles | { unusable: string } {
  const checked = ownDirectory(dir, PRIVATE)
  if ('unusable' in checked) return checked
  const { path } = checked
  const pathOf = (keServer: { host: string; port: number }) => join(path, fileName(keServer))
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
