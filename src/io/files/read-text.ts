/** A small system file's text (/proc, /etc/passwd, a container manager's marks); undefined when it cannot be read. */
import { readFileSync } from 'node:fs'

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1')
  } catch {
    return undefined
  }
}
