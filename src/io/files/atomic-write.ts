/**
 * Replaces a file's content all at once: a reader (node_exporter's textfile collector) sees the old
 * file or the new one, never a half-written one. The temp file sits in the same directory, so
 * rename(2) stays within one file system; its name starts with '.' and does not end in '.prom',
 * so the collector never reads it, and it is short whatever the target's name (NAME_MAX is 255).
 *
 * Only a regular file is replaced (or a path where nothing is): a device node, FIFO, socket,
 * symlink or directory there is left alone and the write refused, so `--metrics-file /dev/null`
 * run as root cannot turn /dev/null into a file. The new file keeps the old one's mode and owner;
 * a file that was not there is 0644.
 */
import { lstat, open, rename, rm } from 'node:fs/promises'
import { describeFileKind } from './file-kind.js'
import { dirname, join } from 'node:path'

/** The target is there but is no regular file: nothing was written. */
export class NotARegularFileError extends Error {
  constructor(kind: string) {
    super(`it is ${kind}, not a regular file; left alone`)
  }
}

const NEW_FILE_MODE = 0o644

export async function writeFileAtomically(path: string, text: string): Promise<void> {
  const existing = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (existing && !existing.isFile()) throw new NotARegularFileError(describeFileKind(existing))
  // unique enough with the pid and a nanosecond count; 'wx' (O_EXCL) refuses anything already there,
  // a symlink planted under that name included (and node:crypto costs 3 ms to load)
  const temp = join(dirname(path), `.tsntpdate.${process.pid}.${process.hrtime.bigint().toString(36)}.tmp`)
  try {
    const file = await open(temp, 'wx', 0o644)
    try {
      if (existing) {
        await file.chown(existing.uid, existing.gid).catch(() => {}) // only root may give a file away
        await file.chmod(existing.mode & 0o7777)
      } else {
        await file.chmod(NEW_FILE_MODE) // whatever the umask (the units' is 0077): a collector must read it
      }
      await file.writeFile(text, 'utf8')
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {})
    throw error
  }
}
