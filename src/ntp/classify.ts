/**
 * "Is this a reply to me?", asked once of every datagram that reaches a socket (RFC 5905 §8):
 * well-formed, echoing the nonce of a request still waiting, from the address and port that
 * request went to, a server-mode packet of a version we speak, and carrying the timestamps a
 * reply needs. What passes is a reply or a kiss (a kiss is trusted only now, after the origin
 * matched: anyone could forge one otherwise); everything else is ignored with its reason.
 * With -a or --nts, the request's check is one more test (`authenticate`: a MAC, auth/symmetric.ts;
 * the NTS fields, auth/nts/extension-fields.ts), of kisses too: no
 * unauthenticated datagram may stop or withdraw a server either.
 */
import { sameEndpoint, type Endpoint } from './endpoint.js'
import type { IgnoredReason } from './ignored.js'
import { isKiss, kissOf, type Kiss } from './kiss.js'
import { decodePacket, NtpMode, PacketParseError, type NtpPacket } from './packet.js'
import type { NtpTimestamp } from './timestamp.js'

/** Why a reply that is otherwise ours does not authenticate, or null when it does. */
export type Authenticate = (bytes: Uint8Array, packet: NtpPacket) => IgnoredReason | null

/** What the classifier needs to know of the requests sent so far. */
export interface OutstandingRequests {
  /** where the request with this nonce went, while it waits for its reply */
  destination(nonce: NtpTimestamp): Endpoint | undefined
  /** whether the request with this nonce was answered already */
  answered(nonce: NtpTimestamp): boolean
}

export type Datagram =
  | { kind: 'reply'; nonce: NtpTimestamp; packet: NtpPacket }
  | { kind: 'kiss'; nonce: NtpTimestamp; kiss: Kiss }
  /** `nonce`: the request it claimed to answer, when origin and source matched */
  | { kind: 'ignored'; reason: IgnoredReason; nonce?: NtpTimestamp }

export function classifyDatagram(bytes: Uint8Array, from: Endpoint, receivedAtNanos: bigint, requests: OutstandingRequests, authenticate?: Authenticate): Datagram {
  let packet: NtpPacket
  try {
    packet = decodePacket(bytes)
  } catch (error) {
    if (error instanceof PacketParseError) return ignored({ kind: 'malformed', detail: error.message })
    throw error
  }
  const nonce = packet.originTime
  const destination = requests.destination(nonce)
  if (!destination) return ignored(requests.answered(nonce) ? { kind: 'duplicate' } : { kind: 'unknown-origin' })
  if (!sameEndpoint(from, destination)) return ignored({ kind: 'wrong-source', from: `${from.address}:${from.port}` })
  if (packet.version < 1 || packet.version > 4) return ignored({ kind: 'bad-version', version: packet.version })
  if (packet.mode !== NtpMode.Server) return ignored({ kind: 'not-server-mode', mode: packet.mode })
  const unauthenticated = authenticate?.(bytes, packet)
  if (unauthenticated) return { kind: 'ignored', reason: unauthenticated, nonce }
  // A kiss need carry no timestamps (§7.4): it is obeyed, never used as a time.
  if (isKiss(packet)) return { kind: 'kiss', nonce, kiss: kissOf(packet, receivedAtNanos) }
  if (packet.receiveTime === 0n) return ignored({ kind: 'zero-receive-time' })
  if (packet.transmitTime === 0n) return ignored({ kind: 'zero-transmit-time' })
  return { kind: 'reply', nonce, packet }
}

function ignored(reason: IgnoredReason): Datagram {
  return { kind: 'ignored', reason }
}
