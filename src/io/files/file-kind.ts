/** What a path that is no regular file is, in words for a warning: `a FIFO`, `a symbolic link`, … */
import type { Stats } from 'node:fs'

export function describeFileKind(stat: Stats): string {
  if (stat.isSymbolicLink()) return 'a symbolic link'
  if (stat.isDirectory()) return 'a directory'
  if (stat.isFIFO()) return 'a FIFO'
  if (stat.isCharacterDevice()) return 'a character device'
  if (stat.isBlockDevice()) return 'a block device'
  if (stat.isSocket()) return 'a socket'
  return 'not a regular file'
}
