/** Kiss-o'-Death (RFC 5905 §7.4): a stratum-0 reply whose refid is a code, never a time. */
import type { NtpPacket } from './packet.js'
import { asciiOfReferenceId } from './refid.js'

/**
 * What a client does about a kiss: DENY and RSTR withdraw the server (what it said before does not
 * count either), RATE stops the requests to it (its earlier replies still count); any other code
 * is only noted, as §7.4 leaves it to the client. NTSN stops the requests too.
 */
export type KissAction = 'withdraw' | 'stop-requests' | 'none'

export interface Kiss {
  /** the refid's ASCII, as sent (it may hold anything: show it through oneLine) */
  code: string
  action: KissAction
  receivedAtNanos: bigint
}

// NTSN, the NTS NAK (RFC 8915 §5.7): our cookies are no good; only a new key exchange can help.
const ACTIONS: Readonly<Record<string, KissAction>> = { DENY: 'withdraw', RSTR: 'withdraw', RATE: 'stop-requests', NTSN: 'stop-requests' }

export function isKiss(packet: NtpPacket): boolean {
  return packet.stratum === 0
}

/** The kiss a stratum-0 reply carries. */
export function kissOf(packet: NtpPacket, receivedAtNanos: bigint): Kiss {
  const code = asciiOfReferenceId(packet.referenceId)
  return { code, action: Object.hasOwn(ACTIONS, code) ? (ACTIONS[code] ?? 'none') : 'none', receivedAtNanos }
}
