/** "Is the server fit to set a clock from?", asked of a reply that is known to be ours. */
import { asciiOfReferenceId } from './refid.js'
import { LeapIndicator, type NtpPacket } from './packet.js'
import type { Reject } from './reject.js'

export const MAX_STRATUM = 15

export function checkSuitability(packet: NtpPacket): Reject | null {
  if (packet.stratum === 0) return { kind: 'kiss-o-death', code: asciiOfReferenceId(packet.referenceId) }
  if (packet.stratum > MAX_STRATUM) return { kind: 'bad-stratum', stratum: packet.stratum }
  if (packet.leap === LeapIndicator.Unsynchronized) return { kind: 'unsynchronized' }
  return null
}
