/** The -d trace: one line per query event and per server verdict. Pure. */
import type { Authentication } from '../auth/authentication.js'
import { displayReferenceId } from '../ntp/refid.js'
import { describeIgnored } from '../ntp/ignored.js'
import type { KissAction } from '../ntp/kiss.js'
import type { QueryEvent } from '../network/query.js'
import type { StampSource } from '../ports.js'
import { candidateOf, type ServerVerdict } from '../select/verdict.js'
import { explainVerdict } from '../report/explain.js'
import { displayServer } from '../ntp/endpoint.js'
import { formatOffset } from '../report/format.js'

export function traceEvent(event: QueryEvent): string {
  switch (event.kind) {
    case 'sent':
      return `sent request to ${displayServer(event.server)} (nonce ${event.nonce.toString(16).padStart(16, '0')})`
    case 'send-failed':
      return `send to ${displayServer(event.server)} failed: ${event.error}`
    case 'reply': {
      const s = event.sample
      const refid = displayReferenceId(s.packet.referenceId, s.stratum)
      return (
        `reply from ${displayServer(event.server)}: stratum ${s.stratum}, refid ${refid}, ` +
        `offset ${formatOffset(s.offset)}, delay ${s.delay.toFixed(6)}, root distance ${s.rootDistance.toFixed(6)}` +
        (event.stampedBy ? describeStamps(event.stampedBy) : '') +
        (event.authenticated ? `, ${authenticatedText(event.authenticated)}` : '')
      )
    }
    case 'timeout':
      return `no reply from ${displayServer(event.server)} within the timeout`
    case 'kiss':
      return `kiss-o'-death ${event.kiss.code} from ${displayServer(event.server)}: ${KISS_ACTIONS[event.kiss.action]}`
    case 'ignored':
      return `ignored datagram from ${event.from.address} port ${event.from.port}: ${describeIgnored(event.reason)}`
  }
}

const KISS_ACTIONS: Readonly<Record<KissAction, string>> = {
  withdraw: 'withdrawn, and its earlier replies do not count',
  'rate-limit': 'no more requests to it this run',
  're-key': 'no more requests to it this run',
  note: 'an unknown code, not a time',
}

/** Which T1 and T4 the kernel took; a clock read in the process is the less precise fallback. */
function describeStamps(by: { sent: StampSource; received: StampSource }): string {
  if (by.sent === 'kernel' && by.received === 'kernel') return ', kernel timestamps'
  const name = (source: StampSource) => (source === 'kernel' ? 'kernel' : 'clock read (no kernel timestamp)')
  return `, T1 ${name(by.sent)}, T4 ${name(by.received)}`
}

/**
 * `NAME: LABEL, REASON (offset …, delay …)`: the explanation --json gives too (report/explain.ts),
 * with the numbers of a server that took part in the vote.
 */
export function traceVerdict(verdict: ServerVerdict): string {
  const { label, reason } = explainVerdict(verdict)
  const candidate = candidateOf(verdict)
  const measured = candidate ? ` (offset ${formatOffset(candidate.estimate.offset)}, delay ${candidate.best.delay.toFixed(6)}, root distance ${candidate.rootDistance.toFixed(6)})` : ''
  return `${displayServer(verdict.server)}: ${label}, ${reason}${measured}`
}

/** `ignored 3 datagrams: 2 wrong-source, 1 unknown-origin` (empty when nothing was ignored). */
export function traceIgnored(counts: ReadonlyMap<string, number>): string | undefined {
  const total = [...counts.values()].reduce((a, b) => a + b, 0)
  if (total === 0) return undefined
  const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${n} ${kind}`)
  return `ignored ${total} datagram${total === 1 ? '' : 's'}: ${parts.join(', ')}`
}

function authenticatedText(auth: Authentication): string {
  return auth.method === 'symmetric' ? `MAC verified (key ${auth.keyId}, ${auth.algorithm})` : `NTS-authenticated (${auth.keyExchange} keys)`
}
