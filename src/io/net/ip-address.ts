/**
 * IP addresses in one spelling, so that a reply is matched on the address itself and not on how
 * it was typed: `0:0:0:0:0:0:0:1`, `0::1` and `::0001` are all `::1`, `::FFFF:7f00:1` is
 * `::ffff:127.0.0.1` (inet_pton, then inet_ntop, through node:net). A zone (`fe80::1%eth0`) is
 * kept apart: it says which interface to send on, and is not part of the address a reply comes
 * from.
 */
import { SocketAddress } from 'node:net'
import { withoutZone } from '../../ntp/endpoint.js'

/** The canonical form of an IPv6 literal, its zone (if any) after a '%'. */
export function canonicalIPv6(text: string): string {
  const address = withoutZone(text)
  return new SocketAddress({ address, family: 'ipv6' }).address + text.slice(address.length)
}
