/** Where a request goes and a reply comes from: the unit that gets queried, sampled and judged. */

export const NTP_PORT = 123

export type AddressFamily = 4 | 6

export interface Endpoint {
  address: string
  port: number
}

/** One address of one server. */
export interface Server extends Endpoint {
  /** the name as given on the command line (without the port) */
  name: string
  family: AddressFamily
}

/** An address without its IPv6 zone (`fe80::1%eth0` → `fe80::1`): the zone picks the interface to send on, a reply's source has none. */
export function withoutZone(address: string): string {
  const zoneAt = address.indexOf('%')
  return zoneAt < 0 ? address : address.slice(0, zoneAt)
}

/**
 * Whether a datagram `from` came from the endpoint a request went `to`. Both addresses are
 * canonical (io/net/resolve.ts, io/net/udp.ts), so equal text is equal bytes.
 */
export function sameEndpoint(from: Endpoint, to: Endpoint): boolean {
  return from.port === to.port && from.address === withoutZone(to.address)
}

/** How a server is printed: the address, as classic ntpdate does, plus the port when not 123. */
export function displayServer(server: Pick<Server, 'address' | 'port' | 'family'>): string {
  if (server.port === NTP_PORT) return server.address
  return server.family === 6 ? `[${server.address}]:${server.port}` : `${server.address}:${server.port}`
}
