/** The -d trace: one line per query event and per server verdict. Pure. */
import { displayReferenceId } from '../ntp/refid.js'
import { describeReject } from '../ntp/reject.js'
import type { QueryEvent } from '../network/query.js'
import type { StampSource } from '../io/ports.js'
import type { Selection, ServerVerdict } from '../select/select.js'
import { displayServer } from '../config/server.js'
import { formatOffset, missedIntervalText } from '../report/format.js'

export function traceEvent(event: QueryEvent): string {
  switch (event.kind) {
    case 'sent':
      return `sent request to ${displayServer(event.server)} (nonce ${event.nonce.toString(16).padStart(16, '0')})`
    case 'send-failed':
      return `send to ${displayServer(event.server)} failed: ${event.error}`
    case 'sample': {
      const s = event.sample
      const refid = displayReferenceId(s.packet.referenceId, s.stratum)
      return (
        `reply from ${displayServer(event.server)}: stratum ${s.stratum}, refid ${refid}, ` +
        `offset ${formatOffset(s.offset)}, delay ${s.delay.toFixed(6)}, root distance ${s.rootDistance.toFixed(6)}` +
        (event.stampedBy ? describeStamps(event.stampedBy) : '')
      )
    }
    case 'timeout':
      return `no reply from ${displayServer(event.server)} within the timeout`
    case 'kiss':
      return `kiss-o'-death ${event.code} from ${displayServer(event.server)}: no more requests to it this run`
    case 'ignored':
      return `ignored datagram from ${event.from.address} port ${event.from.port}: ${describeReject(event.reject)}`
  }
}

/** Which T1 and T4 the kernel took; a clock read in the process is the less precise fallback. */
function describeStamps(by: { sent: StampSource; received: StampSource }): string {
  if (by.sent === 'kernel' && by.received === 'kernel') return ', kernel timestamps'
  const name = (source: StampSource) => (source === 'kernel' ? 'kernel' : 'clock read (no kernel timestamp)')
  return `, T1 ${name(by.sent)}, T4 ${name(by.received)}`
}

/** Microseconds, as in the reply lines: ntpdate's 5-decimal delay shows 10 µs and 4 µs as 0.00001 and 0.00000. */
const traceDelay = (seconds: number) => seconds.toFixed(6)

export function traceVerdict(verdict: ServerVerdict, selection: Selection): string {
  const name = displayServer(verdict.server)
  const best = verdict.best
  const offset = verdict.estimate?.offset
  const measured = best && offset !== undefined ? `offset ${formatOffset(offset)}, delay ${traceDelay(best.delay)}` : ''
  const overruled = verdict.estimate?.overruledBy
  const filtered = overruled
    ? `; the lowest-delay sample's offset ${formatOffset(best!.offset)} is outside [${formatOffset(overruled.bounds.low)}, ${formatOffset(overruled.bounds.high)}], ` +
      `the bounds all ${overruled.samples} samples allow: their middle is the offset`
    : ''
  const rate = verdict.rateLimited ? '; sent RATE, so no more requests were sent' : ''
  switch (verdict.status.kind) {
    case 'selected':
      return `${name}: selected, lowest delay among the truechimers (${measured})${filtered}${rate}`
    case 'truechimer': {
      const chosen = selection.chosen?.best
      const why = chosen ? `delay ${traceDelay(best!.delay)} is above ${traceDelay(chosen.delay)}` : 'no majority'
      return `${name}: truechimer, not selected, ${why} (${measured})${filtered}${rate}`
    }
    case 'falseticker':
      return `${name}: dropped, falseticker: ${missedIntervalText(offset!, verdict.rootDistance!, selection.agreement)}${rate}`
    case 'kod':
      return `${name}: dropped, kiss-o'-death ${verdict.status.code}, no more requests were sent`
    case 'no-reply':
      return `${name}: dropped, no reply`
    case 'rejected':
      return `${name}: dropped, ${describeReject(verdict.status.reason)}${rate}`
  }
}

/** `ignored 3 datagrams: 2 wrong-source, 1 unknown-origin` (empty when nothing was ignored). */
export function traceIgnored(counts: ReadonlyMap<string, number>): string | undefined {
  const total = [...counts.values()].reduce((a, b) => a + b, 0)
  if (total === 0) return undefined
  const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${n} ${kind}`)
  return `ignored ${total} datagram${total === 1 ? '' : 's'}: ${parts.join(', ')}`
}
