/**
 * The NTS cookie cache on disk: one file per NTS-KE server in a directory of ours, 0700, with
 * files 0600, each replaced atomically. Keys in it are as good as the server's certificate, so a
 * directory or file that someone else owns or that others may read or write is not used (a local
 * user could otherwise read the keys and forge replies, or plant keys); it is one warning, and
 * the run does a fresh key exchange. The record format is auth/nts/cache-record.ts's.
 */
import { chmodSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { describeFileKind } from './file-kind.js'

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
      const path = pathOf(keServer)
      let fd: number
      try {
        fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOENT') return { absent: true }
        return { refused: code === 'ELOOP' ? `${path} is a symbolic link` : `${path}: ${(error as Error).message.split(', ')[0]}` }
      }
      try {
        const stat = fstatSync(fd)
        if (!stat.isFile()) return { refused: `${path} is ${describeFileKind(stat)}, not a regular file` }
        if (stat.uid !== uid || (stat.mode & 0o077) !== 0) return { refused: `${path} is not ours alone (uid ${stat.uid}, mode ${(stat.mode & 0o777).toString(8)})` }
        if (stat.size > MAX_RECORD_BYTES) return { text: '' } // not a record of ours: corrupt, and replaced
        const buffer = Buffer.allocUnsafe(stat.size)
        let length = 0
        for (let n; length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n
        return { text: buffer.subarray(0, length).toString('utf8') }
      } finally {
        closeSync(fd)
      }
    },
    write(keServer, text) {
      const path = pathOf(keServer)
      // anything but a regular file in its place (a directory): removed, as the directory is ours;
      // rename(2) replaces a symlink itself, never what it points to
      const existing = lstatOrUndefined(path)
      if (existing && !existing.isFile() && !existing.isSymbolicLink()) rmSync(path, { recursive: true, force: true })
      // Like io/atomic-write.ts, a temp file then rename(2), but without fsync and with sync calls:
      // a record lost to a crash costs one fresh key exchange, and a run from the cache stays fast.
      const temp = join(dir, `.tsntpdate.${process.pid}.${process.hrtime.bigint().toString(36)}.tmp`)
      try {
        const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
        try {
          writeSync(fd, text)
        } finally {
          closeSync(fd)
        }
        renameSync(temp, path)
      } catch (error) {
        rmSync(temp, { force: true })
        throw error
      }
    },
  }
}

/** `nts-ke_time.example.org_4460.json`; an IPv6 address's colons become '_' (the record names the server exactly). */
export function fileName({ host, port }: { host: string; port: number }): string {
  return `nts-ke_${host.toLowerCase().replace(/[^a-z0-9.-]/g, '_')}_${port}.json`
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}
