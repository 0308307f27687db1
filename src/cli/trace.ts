/** The -d trace: one line per query event and per server verdict. Pure. */
import { displayReferenceId } from '../ntp/refid.js'
import { describeReject } from '../ntp/reject.js'
import type { QueryEvent } from '../query.js'
import type { ServerVerdict } from '../select.js'
import { displayServer } from '../server.js'
import { formatDelay, formatOffset } from '../format.js'

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
        `offset ${formatOffset(s.offset)}, delay ${s.delay.toFixed(6)}, root distance ${s.rootDistance.toFixed(6)}`
      )
    }
    case 'timeout':
      return `no reply from ${displayServer(event.server)} within the timeout`
    case 'ignored':
      return `ignored datagram from ${event.from.address} port ${event.from.port}: ${describeReject(event.reject)}`
  }
}

export function traceVerdict(verdict: ServerVerdict, chosen: ServerVerdict | undefined): string {
  const name = displayServer(verdict.server)
  const best = verdict.best
  const measured = best ? `offset ${formatOffset(best.offset)}, delay ${formatDelay(best.delay)}` : ''
  switch (verdict.status.kind) {
    case 'selected':
      return `${name}: selected, lowest delay (${measured})`
    case 'candidate':
      return `${name}: not selected, delay ${formatDelay(best!.delay)} is above ${formatDelay(chosen!.best!.delay)} (${measured})`
    case 'no-reply':
      return `${name}: dropped, no reply`
    case 'rejected':
      return `${name}: dropped, ${describeReject(verdict.status.reason)}`
  }
}
