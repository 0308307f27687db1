/** One unprivileged UDP socket per address family the servers need; a family that fails to open is an Error in its place. */
import type { DatagramSocket, OpenSocket } from '../ports.js'
import type { AddressFamily, Server } from '../ntp/endpoint.js'

export async function openSockets(servers: readonly Server[], open: OpenSocket, onDatagram: Parameters<OpenSocket>[1], localAddress?: string): Promise<Map<AddressFamily, DatagramSocket | Error>> {
  const families = [...new Set(servers.map((s) => s.family))]
  const opened = await Promise.allSettled(families.map((family) => open(family, onDatagram, localAddress)))
  return new Map(families.map((family, i) => [family, settledValue(opened[i])]))
}

function settledValue<T>(result: PromiseSettledResult<T> | undefined): T | Error {
  if (result === undefined) return new Error('not opened')
  return result.status === 'fulfilled' ? result.value : asError(result.reason)
}

export function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason))
}
