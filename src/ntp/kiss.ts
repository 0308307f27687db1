/** Kiss-o'-Death (RFC 5905 §7.4): a stratum-0 reply whose refid is a code, never a time. */
import type { NtpPacket } from './packet.js'
import { asciiOfReferenceId } from './refid.js'

/**
 * What a client does about a kiss: DENY and RSTR withdraw the server (what it said before does not
 * count either); RATE rate-limits it (no more requests this run; its earlier replies still count);
 * NTSN, the NTS NAK (RFC 8915 §5.7), says our cookies are no good: no more requests with them,
 * and a new key exchange (network/nts-run.ts); any other code is only noted, as §7.4 leaves it to
 * the client.
 */
export type KissAction = 'withdraw' | 'rate-limit' | 're-key' | 'note'

export interface Kiss {
  /** the refid's ASCII, as sent (it may hold anything: show it through oneLine) */
  code: string
  action: KissAction
  receivedAtNanos: bigint
}

const ACTIONS: Readonly<Record<string, KissAction>> = { DENY: 'withdraw', RSTR: 'withdraw', RATE: 'rate-limit', NTSN: 're-key' }

export function isKiss(packet: NtpPacket): boolean {
  return packet.stratum === 0
}

/** The kiss a stratum-0 reply carries. */
export function kissOf(packet: NtpPacket, receivedAtNanos: bigint): Kiss {
  const code = asciiOfReferenceId(packet.referenceId)
  return { code, action: Object.hasOwn(ACTIONS, code) ? (ACTIONS[code] ?? 'note') : 'note', receivedAtNanos }
}
