/** Output lines in classic ntpdate's formats (see man/tsntpdate.8, OUTPUT). Pure. */
import type { Correction, Outcome } from '../decide/decide.js'
import type { FrequencyPlan } from '../drift/frequency.js'
import { displayServer } from '../ntp/endpoint.js'
import type { Candidate } from '../select/verdict.js'
import type { Interval } from '../ntp/interval.js'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `25 Nov 02:33:22 tsntpdate[834]: ` in local time, as classic's terminal output (`%2d %s %02d:%02d:%02d`). */
export function linePrefix(date: Date, pid: number): string {
  const two = (n: number) => String(n).padStart(2, '0')
  const day = String(date.getDate()).padStart(2, ' ')
  const time = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
  return `${day} ${MONTHS[date.getMonth()]} ${time} tsntpdate[${pid}]: `
}

/** The longest line written to the terminal or to syslog, in characters (a longer one is cut with `…`). */
export const MAX_LINE_LENGTH = 1024

/**
 * Text from outside (kiss codes, refids, names, values) made safe for one line on a terminal or in
 * syslog: control characters (C0, DEL, C1) and line or paragraph separators are written as `\xNN`
 * or `\uNNNN`, so an `ESC[2J` from the network cannot clear a screen and a newline cannot start
 * a forged log line; the whole is cut to MAX_LINE_LENGTH.
 */
export function oneLine(text: string): string {
  const escaped = text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`
  })
  return cutLine(escaped)
}

/** A line cut to MAX_LINE_LENGTH with `…`; the terminal's `DATE tsntpdate[PID]: ` prefix counts too. */
export function cutLine(line: string): string {
  return line.length <= MAX_LINE_LENGTH ? line : `${line.slice(0, MAX_LINE_LENGTH - 1)}…`
}

/** `a, b, c` for a few items; `a, b, c, … (10000 in all)` for many, so that one line stays short. */
export function listSome(items: readonly string[], shown = 5): string {
  if (items.length <= shown) return items.join(', ')
  return `${items.slice(0, shown).join(', ')}, … (${items.length} in all)`
}

/** Always signed, six decimals: `+0.000008`, `-1.250000`. */
export function formatOffset(seconds: number): string {
  const text = Math.abs(seconds).toFixed(6)
  return (seconds < 0 && Number(text) !== 0 ? '-' : '+') + text
}

export function formatDelay(seconds: number): string {
  return seconds.toFixed(5)
}

/** `server 127.0.0.2, stratum 2, offset +0.000008, delay 0.00012` (printed with -q, one per answering server). */
export function serverLine(server: string, stratum: number, offset: number, delay: number): string {
  return `server ${server}, stratum ${stratum}, offset ${formatOffset(offset)}, delay ${formatDelay(delay)}`
}

/** `adjust time server 127.0.0.2 offset +0.000008 sec` or `step time server …`: what was (or would be) done. */
export function resultLine({ method, server, offset }: Correction): string {
  const verb = method === 'step' ? 'step' : 'adjust'
  return `${verb} time server ${displayServer(server)} offset ${formatOffset(offset)} sec`
}

/** The one line of an outcome that ends the run with a non-zero status. */
export function failureLine(outcome: Exclude<Outcome, { kind: 'report' | 'set' }>): string {
  switch (outcome.kind) {
    case 'no-server':
      return (
        'no server suitable for synchronization found' +
        (outcome.keyId === undefined ? '' : ` (-a ${outcome.keyId}: only replies that verify with key ${outcome.keyId} count, and a server without that key does not answer)`)
      )
    case 'no-majority':
      return noMajorityLine(outcome.voters)
    case 'check-failed': {
      const excess = Math.abs(outcome.offset) - outcome.limit
      return `offset ${formatOffset(outcome.offset)} s exceeds --max-offset ${outcome.limit} s by ${excess.toFixed(6)} s`
    }
    case 'beyond-max-step':
      return `refusing to ${outcome.method} the clock by ${formatOffset(outcome.offset)} s, ` + `more than --max-step ${outcome.limit} s; clock left untouched`
    case 'daemon-keeps-clock':
      return `refusing to ${outcome.method} the clock while a time daemon runs: ${outcome.daemon.description}; clock left untouched (--force overrides)`
  }
}

/**
 * Why nothing was trusted when the vote found no majority: every voter's offset and bound, and the
 * spread between the extremes.
 */
function noMajorityLine(voters: readonly Candidate[]): string {
  const offsets = voters.map((v) => v.estimate.offset)
  const spread = Math.max(...offsets) - Math.min(...offsets)
  const each = listSome(voters.map((v) => `${displayServer(v.server)} ${formatOffset(v.estimate.offset)} ±${v.rootDistance.toFixed(6)}`))
  return `no majority agrees among ${voters.length} servers (${each}); they disagree by ${spread.toFixed(6)} s, clock left untouched`
}

/** A run that is to set the clock without CAP_SYS_TIME, said before any query. */
export const NO_RIGHT_TO_SET_LINE = 'no permission to set the clock (CAP_SYS_TIME): run as root, or use -q to query only; clock left untouched'

/** Classic ntpdate's line for a RATE kiss. */
export function rateLimitLine(server: string): string {
  return `${server} rate limit response from server.`
}

/** Why a falseticker was not believed: `+2.500010 ±0.010023 misses the majority's interval [-0.000012, +0.000009]`. */
export function missedIntervalText(offset: number, rootDistance: number, intersection: Interval): string {
  const span = `[${formatOffset(intersection.low)}, ${formatOffset(intersection.high)}]`
  return `${formatOffset(offset)} ±${rootDistance.toFixed(6)} misses the majority's interval ${span}`
}

/** `frequency +34.000 ppm (+30.000 ppm, for a drift of +30.000 ppm over 3600 s)`: what a set did to the kernel's frequency. */
export function frequencyLine(plan: FrequencyPlan, nowPpm: number): string {
  const why = plan.kind === 'estimate' ? `for a drift of ${signedPpm(plan.driftPpm)} ppm over ${plan.basisSeconds.toFixed(0)} s` : "the last boot's, from the drift file"
  return `frequency ${signedPpm(nowPpm)} ppm (${signedPpm(nowPpm - plan.fromPpm)} ppm, ${why})`
}

/** `+30.000`, `-2.500` */
export function signedPpm(ppm: number): string {
  return `${ppm >= 0 ? '+' : ''}${ppm.toFixed(3)}`
}
