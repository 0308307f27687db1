/** The kernel's id of this boot (/proc/sys/kernel/random/boot_id); undefined where /proc does not say. */
import { readFileSync } from 'node:fs'

export function readBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined
  } catch {
    return undefined
  }
}
