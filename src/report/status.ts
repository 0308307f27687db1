/** A server's status in the --json document and the metrics: a value, written as text only in the document. Pure. */
import type { ServerFault } from '../ntp/fault.js'

/** What became of a server, by kind; metrics count servers by it. */
export const STATUS_KINDS = ['selected', 'truechimer', 'falseticker', 'no-majority', 'kod', 'no-reply', 'unresolvable', 'rejected'] as const
export type StatusKind = (typeof STATUS_KINDS)[number]

/** Why a server's replies could not be used: a fault of its replies, no reply authenticated, or NTS failed. */
export type RejectionReason = ServerFault['kind'] | 'unauthenticated' | 'nts'

export type ServerStatus = { kind: Exclude<StatusKind, 'kod' | 'rejected'> } | { kind: 'kod'; code: string } | { kind: 'rejected'; why: RejectionReason }

/** As the document writes it: `selected`, `kod:RATE`, `rejected:nts`, … */
export function statusText(status: ServerStatus): string {
  switch (status.kind) {
    case 'kod':
      return `kod:${status.code}`
    case 'rejected':
      return `rejected:${status.why}`
    default:
      return status.kind
  }
}
