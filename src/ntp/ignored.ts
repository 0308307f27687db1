/**
 * Why a datagram was not a reply to us (RFC 5905 §8's tests): it says nothing about the server,
 * it is counted and shown with -d, and the request it may claim to answer stays outstanding.
 */

export type IgnoredReason =
  | { kind: 'malformed'; detail: string }
  | { kind: 'wrong-source'; from: string }
  | { kind: 'unknown-origin' }
  | { kind: 'duplicate' }
  | { kind: 'not-server-mode'; mode: number }
  | { kind: 'bad-version'; version: number }
  | { kind: 'zero-receive-time' }
  | { kind: 'zero-transmit-time' }
  // with -a: the reply does not authenticate with our key
  | { kind: 'no-mac' }
  | { kind: 'crypto-nak' }
  | { kind: 'wrong-key-id'; keyId: number }
  | { kind: 'bad-mac' }
  // with -a or --nts, for a request that went out without protection: nothing can vouch for its reply
  | { kind: 'unprotected-request' }
  // with --nts: the reply is not one the NTS keys of this request vouch for
  | { kind: 'nts-unauthenticated'; detail: string }

export function describeIgnored(reason: IgnoredReason): string {
  switch (reason.kind) {
    case 'malformed':
      return `malformed packet: ${reason.detail}`
    case 'wrong-source':
      return `reply from unexpected source ${reason.from}`
    case 'unknown-origin':
      return 'origin timestamp matches no request of ours'
    case 'duplicate':
      return 'duplicate reply to a request already answered'
    case 'not-server-mode':
      return `mode ${reason.mode}, not a server reply (4)`
    case 'bad-version':
      return `unsupported NTP version ${reason.version}`
    case 'zero-receive-time':
      return 'receive timestamp is zero'
    case 'zero-transmit-time':
      return 'transmit timestamp is zero'
    case 'no-mac':
      return 'no MAC, and -a asks for one'
    case 'crypto-nak':
      return 'crypto-NAK: the server could not authenticate our request'
    case 'wrong-key-id':
      return `MAC with key id ${reason.keyId}, not ours`
    case 'bad-mac':
      return 'MAC does not verify with our key'
    case 'unprotected-request':
      return 'the request had no authentication, so no reply to it can count'
    case 'nts-unauthenticated':
      return `not NTS-authenticated: ${reason.detail}`
  }
}
