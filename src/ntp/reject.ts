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
  }
}

function isKnownKiss(code: string): boolean {
  return (KISS_CODES_THAT_STOP as readonly string[]).includes(code)
}
