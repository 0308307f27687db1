/** Whether this process may set the clock: CAP_SYS_TIME in its effective set (/proc/self/status). */
import { readFileSync } from 'node:fs'

const CAP_SYS_TIME = 25n

/** `status`: the text of /proc/self/status; undefined when it cannot be read (then we let the kernel decide). */
export function hasSysTime(status: string | undefined = readStatus()): boolean {
  const hex = status?.match(/^CapEff:\s*([0-9a-f]+)$/m)?.[1]
  if (hex === undefined) return true
  return ((BigInt(`0x${hex}`) >> CAP_SYS_TIME) & 1n) === 1n
}

function readStatus(): string | undefined {
  try {
    return readFileSync('/proc/self/status', 'utf8')
  } catch {
    return undefined
  }
}
