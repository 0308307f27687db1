/** The --max-offset check of the CI check mode. Pure. */
import { formatOffset } from '../report/format.js'

/** Why `offset` fails the check against `limit` seconds, or undefined when |offset| is within it. */
export function maxOffsetExcess(offset: number, limit: number): string | undefined {
  const excess = Math.abs(offset) - limit
  if (!(excess > 0)) return undefined
  return `offset ${formatOffset(offset)} s exceeds --max-offset ${limit} s by ${excess.toFixed(6)} s`
}
