/**
 * Replaces a file's content all at once: a reader (node_exporter's textfile collector) sees the old
 * file or the new one, never a half-written one. The temp file sits in the same directory, so
 * rename(2) stays within one file system; its name starts with '.' and does not end in '.prom',
 * so the collector never reads it.
 */
import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

export async function writeFileAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    const file = await open(temp, 'wx', 0o644)
    try {
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
