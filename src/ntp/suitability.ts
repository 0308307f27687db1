/** "Is the server fit to set a clock from?", asked of a reply that is known to be ours and not a kiss. */
import { LeapIndicator, type NtpPacket } from './packet.js'
import type { ServerFault } from './fault.js'
import { diffSeconds } from './timestamp.js'

export const MAX_STRATUM = 15
/** MAXDIST of RFC 5905 §7.2: a root distance above this is too far from a reference to trust. */
export const MAX_ROOT_DISTANCE_SECONDS = 1.5
/** A server whose reference clock was last read more than a day ago is adrift (beevik/ntp's rule). */
export const MAX_REFERENCE_AGE_SECONDS = 86_400

export function checkSuitability(packet: NtpPacket): ServerFault | null {
  if (packet.stratum < 1 || packet.stratum > MAX_STRATUM) return { kind: 'bad-stratum', stratum: packet.stratum }
  if (packet.leap === LeapIndicator.Unsynchronized) return { kind: 'unsynchronized' }
  // The server's own timestamps, read on its own clock: no local clock is involved.
  if (diffSeconds(packet.transmitTime, packet.receiveTime) < 0) return { kind: 'transmit-before-receive' }
  if (packet.referenceTime === 0n) return { kind: 'no-reference-time' }
  const referenceAge = diffSeconds(packet.transmitTime, packet.referenceTime)
  if (referenceAge < 0) return { kind: 'reference-in-future', seconds: -referenceAge }
  if (referenceAge > MAX_REFERENCE_AGE_SECONDS) return { kind: 'stale-reference', seconds: referenceAge }
  return null
}

/** The distance check, made at selection time because λ grows with the sample's age. */
export function checkRootDistance(rootDistance: number): ServerFault | null {
  return rootDistance > MAX_ROOT_DISTANCE_SECONDS ? { kind: 'root-distance', seconds: rootDistance, limit: MAX_ROOT_DISTANCE_SECONDS } : null
}
