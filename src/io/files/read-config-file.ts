/**
 * Reads a file we take settings from (the defaults file, step-tickers, key files, CA bundles)
 * with the care a program running as root owes them: only a regular file, at most MAX_CONFIG_BYTES, and never a hang. The file is opened non-blocking, so a FIFO cannot stall the
 * open, and judged by fstat of what was opened, so it cannot be swapped after the check; a device
 * such as /dev/zero is refused before a byte is read.
 */
import { errorText } from '../../errors.js'
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'
import { describeFileKind } from './file-kind.js'
import type { ConfigFileRead } from '../../ports.js'

export const MAX_CONFIG_BYTES = 1 << 20

/** The text, with the mode and owner (uid) of what was opened; or absent (no such file, or unreadable: as `[ -r FILE ]`); or present but refused, with why. */

export function readConfigFile(path: string, maxBytes = MAX_CONFIG_BYTES): ConfigFileRead {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
  } catch {
    return { absent: true }
  }
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) return { refused: `${path} is ${describeFileKind(stat)}, not a regular file; ignored` }
    if (stat.size > maxBytes) return { refused: `${path} is larger than ${maxBytes} bytes; ignored` }
    // a buffer the size fstat says (a file may grow, or say 0 as /proc's do: then it grows)
    let buffer = Buffer.alloc(Math.min(maxBytes, stat.size) + 1)
    let length = 0
    for (let n; length <= maxBytes && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0;) {
      length += n
      if (length === buffer.length && length <= maxBytes) buffer = Buffer.concat([buffer, Buffer.alloc(Math.min(maxBytes + 1, 2 * length) - length)])
    }
    if (length > maxBytes) return { refused: `${path} is larger than ${maxBytes} bytes; ignored` }
    return { text: buffer.subarray(0, length).toString('utf8'), mode: stat.mode, uid: stat.uid }
  } catch (error) {
    return { refused: `${path} could not be read: ${errorText(error)}; ignored` }
  } finally {
    closeSync(fd)
  }
}
