/** Kiss-o'-Death codes a client must act on (RFC 5905 §7.4). */
import type { NtpPacket } from './packet.js'
import { asciiOfReferenceId, KISS_CODES_THAT_STOP } from './refid.js'

export type KissCode = (typeof KISS_CODES_THAT_STOP)[number]

/** The kiss code of a stratum-0 reply when it is one we must obey; undefined otherwise. */
export function kissCodeOf(packet: NtpPacket): KissCode | undefined {
  if (packet.stratum !== 0) return undefined
  const code = asciiOfReferenceId(packet.referenceId)
  return (KISS_CODES_THAT_STOP as readonly string[]).includes(code) ? (code as KissCode) : undefined
}

