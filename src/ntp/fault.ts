/** Why a reply that is ours cannot set a clock: the server is unfit (RFC 5905 §7.3, §11.2.1). */

export type ServerFault =
  | { kind: 'bad-stratum'; stratum: number }
  | { kind: 'unsynchronized' }
  | { kind: 'transmit-before-receive' }
  | { kind: 'no-reference-time' }
  | { kind: 'reference-in-future'; seconds: number }
  | { kind: 'stale-reference'; seconds: number }
  | { kind: 'root-distance'; seconds: number; limit: number }

export function describeFault(fault: ServerFault): string {
  switch (fault.kind) {
    case 'bad-stratum':
      return `stratum ${fault.stratum} is outside 1-15`
    case 'unsynchronized':
      return 'server is unsynchronized (leap indicator 3)'
    case 'transmit-before-receive':
      return 'transmit timestamp is before receive timestamp'
    case 'no-reference-time':
      return 'reference timestamp is zero (server never synchronized)'
    case 'reference-in-future':
      return `reference timestamp is ${fault.seconds.toFixed(3)} s after the transmit timestamp`
    case 'stale-reference':
      return `reference clock last read ${(fault.seconds / 3600).toFixed(1)} h ago, more than 24 h`
    case 'root-distance':
      return `root distance ${fault.seconds.toFixed(6)} s is above ${fault.limit} s`
  }
}
