/**
 * Files that hold state of ours between runs (the NTS cookie cache, the drift file): read only
 * when they are regular files of our own that no one else can read or write (what others could
 * write, they could have planted), bounded in size, never through a symlink; replaced with a
 * temp file and rename(2), mode 0600. No fsync: a file lost to a crash costs one run's learning.
 */
import { errorText, errorCode } from '../../errors.js'
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describeFileKind } from './file-kind.js'
import type { PrivateFileRead } from '../../ports.js'

export function readPrivateFile(path: string, maxBytes: number): PrivateFileRead {
  const uid = process.geteuid?.() ?? 0
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (error) {
    const code = errorCode(error)
    if (code === 'ENOENT') return { absent: true }
    return { refused: code === 'ELOOP' ? `${path} is a symbolic link` : `${path}: ${errorText(error)}` }
  }
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) return { refused: `${path} is ${describeFileKind(stat)}, not a regular file` }
    if (stat.uid !== uid || (stat.mode & 0o077) !== 0) return { refused: `${path} is not ours alone (uid ${stat.uid}, mode ${(stat.mode & 0o777).toString(8)})` }
    if (stat.size > maxBytes) return { tooLarge: true }
    const buffer = Buffer.allocUnsafe(stat.size)
    let length = 0
    for (let n; length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0;) length += n
    return { text: buffer.subarray(0, length).toString('utf8') }
  } finally {
    closeSync(fd)
  }
}

/** Replaces `path` with `text`, 0600; throws the OS error, or why not. */
export function writePrivateFile(path: string, text: string): void {
  // anything but a regular file in its place (a directory) is left alone, never removed: rename(2)
  // replaces a file or a symlink itself, never what a link points to
  const existing = lstatOrUndefined(path)
  if (existing && !existing.isFile() && !existing.isSymbolicLink()) throw new Error(`${path} is ${describeFileKind(existing)}, not a regular file; left alone`)
  const temp = join(dirname(path), `.tsntpdate.${process.pid}.${process.hrtime.bigint().toString(36)}.tmp`)
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
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}
