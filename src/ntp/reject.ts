/** Why a reply or a server was not used: values, never exceptions (GUIDE §3). */
import { KISS_CODES_THAT_STOP } from './refid.js'

export type Reject =
  // "Is this a reply to me?" (RFC 5905 §8 tests; a failure here says nothing about the server)
  | { kind: 'malformed'; detail: string }
  | { kind: 'wrong-source'; from: string }
  | { kind: 'unknown-origin' }
  | { kind: 'duplicate' }
  | { kind: 'not-server-mode'; mode: number }
  | { kind: 'bad-version'; version: number }
  | { kind: 'zero-receive-time' }
  | { kind: 'zero-transmit-time' }
  // "Is the server fit to set a clock from?"
  | { kind: 'kiss-o-death'; code: string }
  | { kind: 'bad-stratum'; stratum: number }
  | { kind: 'unsynchronized' }
  | { kind: 'transmit-before-receive' }
  | { kind: 'no-reference-time' }
  | { kind: 'reference-in-future'; seconds: number }
  | { kind: 'stale-reference'; seconds: number }
  | { kind: 'root-distance'; seconds: number }

export function describeReject(reject: Reject): string {
  switch (reject.kind) {
    case 'malformed':
      return `malformed packet: ${reject.detail}`
    case 'wrong-source':
      return `reply from unexpected source ${reject.from}`
    case 'unknown-origin':
      return 'origin timestamp matches no request of ours'
    case 'duplicate':
      return 'duplicate reply to a request already answered'
    case 'not-server-mode':
      return `mode ${reject.mode}, not a server reply (4)`
    case 'bad-version':
      return `unsupported NTP version ${reject.version}`
    case 'zero-receive-time':
      return 'receive timestamp is zero'
    case 'zero-transmit-time':
      return 'transmit timestamp is zero'
    case 'kiss-o-death':
      return `kiss-o'-death ${reject.code}${isKnownKiss(reject.code) ? '' : ' (unknown code)'}`
    case 'bad-stratum':
      return `stratum ${reject.stratum} is outside 1-15`
    case 'unsynchronized':
      return 'server is unsynchronized (leap indicator 3)'
    case 'transmit-before-receive':
      return 'transmit timestamp is before receive timestamp'
    case 'no-reference-time':
      return 'reference timestamp is zero (server never synchronized)'
    case 'reference-in-future':
      return `reference timestamp is ${reject.seconds.toFixed(3)} s after the transmit timestamp`
    case 'stale-reference':
      return `reference clock last read ${(reject.seconds / 3600).toFixed(1)} h ago, more than 24 h`
    case 'root-distance':
      return `root distance ${reject.seconds.toFixed(6)} s is above 1.5 s`
  }
}

function isKnownKiss(code: string): boolean {
  return (KISS_CODES_THAT_STOP as readonly string[]).includes(code)
}
