/**
 * The one explanation of a verdict, used by the -d trace and by --json (`status`, `reason`) alike:
 * a label and the reason in words. Pure.
 */
import { describeFault } from '../ntp/fault.js'
import type { Kiss } from '../ntp/kiss.js'
import type { Candidate, ServerVerdict } from '../select/verdict.js'
import { formatOffset, missedIntervalText } from './format.js'
import type { ServerStatus } from './status.js'

export interface Explanation {
  /** the --json status and the metrics' */
  status: ServerStatus
  /** the -d label: `selected`, `truechimer, not selected`, `dropped, falseticker`, `undecided`, `dropped` */
  label: string
  reason: string
}

export function explainVerdict(verdict: ServerVerdict): Explanation {
  switch (verdict.kind) {
    case 'selected':
      return { status: { kind: 'selected' }, label: 'selected', reason: 'lowest delay among the truechimers' + notes(verdict.candidate) }
    case 'agreed':
      return { status: { kind: 'truechimer' }, label: 'truechimer, not selected', reason: whyNotSelected(verdict.candidate, verdict.selected) + notes(verdict.candidate) }
    case 'falseticker': {
      const { candidate, intersection } = verdict
      return {
        status: { kind: 'falseticker' },
        label: 'dropped, falseticker',
        reason: missedIntervalText(candidate.estimate.offset, candidate.rootDistance, intersection) + notes(candidate),
      }
    }
    case 'undecided':
      return { status: { kind: 'no-majority' }, label: 'undecided', reason: 'no majority of the servers agrees, so none was selected' + notes(verdict.candidate) }
    case 'kissed':
      return { status: { kind: 'kod', code: verdict.kiss.code }, label: 'dropped', reason: kissText(verdict.kiss) }
    case 'no-reply':
      return { status: { kind: 'no-reply' }, label: 'dropped', reason: 'no reply within the timeout' }
    case 'unauthenticated':
      return {
        status: { kind: 'rejected', why: 'unauthenticated' },
        label: 'dropped',
        reason: `no reply authenticated with our key (${verdict.ignored} ${verdict.ignored === 1 ? 'datagram' : 'datagrams'} ignored)`,
      }
    case 'rejected':
      return { status: { kind: 'rejected', why: verdict.fault.kind }, label: 'dropped', reason: describeFault(verdict.fault) + (verdict.rateLimited ? RATE_NOTE : '') }
  }
}

const RATE_NOTE = '; it sent RATE, so no more requests were sent'

/** Lower delay wins; at the same delay, the lower stratum; at both the same, the one listed first (select.ts). */
function whyNotSelected(own: Candidate, selected: Candidate): string {
  const [mine, theirs] = [own.best, selected.best]
  if (mine.delay > theirs.delay) {
    const digits = mine.delay.toFixed(6) === theirs.delay.toFixed(6) ? 9 : 6
    return `delay ${mine.delay.toFixed(digits)} s is above the selected server's ${theirs.delay.toFixed(digits)} s`
  }
  if (mine.stratum > theirs.stratum) return `same delay as the selected server, higher stratum (${mine.stratum} > ${theirs.stratum})`
  return 'same delay and stratum as the selected server, which was listed first'
}

/** What else shaped a candidate's numbers: samples that overruled the lowest-delay one, a RATE kiss. */
function notes(candidate: Candidate): string {
  const overruled = candidate.estimate.overruledBy
  const filtered = overruled
    ? `; the lowest-delay sample's offset ${formatOffset(candidate.best.offset)} is outside ` +
      `[${formatOffset(overruled.bounds.low)}, ${formatOffset(overruled.bounds.high)}], the bounds all ` +
      `${overruled.samples} samples allow: their middle is the offset`
    : ''
  return filtered + (candidate.rateLimited ? RATE_NOTE : '')
}

function kissText(kiss: Kiss): string {
  switch (kiss.action) {
    case 'withdraw':
    case 'rate-limit':
    case 're-key':
      return `kiss-o'-death ${kiss.code}, no more requests were sent`
    case 'note':
      return `kiss-o'-death ${kiss.code} (unknown code)`
  }
}
