/** Server specs to the addresses to query (shell: uses the injected resolver). */
import { NoServerError } from './errors.js'
import type { Resolve } from './ports.js'
import { displayServer, type AddressFamily, type Server, type ServerSpec } from './server.js'

/** Every address of every name; a name that does not resolve is a warning, as in classic ntpdate. */
export async function resolveServers(
  specs: readonly ServerSpec[],
  family: AddressFamily | undefined,
  resolve: Resolve,
  warn: (line: string) => void,
  debug: ((line: string) => void) | undefined,
): Promise<Server[]> {
  const results = await Promise.allSettled(specs.map((spec) => resolve(spec.host, family)))
  const servers = new Map<string, Server>()
  results.forEach((result, i) => {
    const spec = specs[i]!
    if (result.status === 'rejected') {
      const reason = result.reason instanceof Error ? result.reason.message : String(result.reason)
      return warn(`Can't find host ${spec.host}: ${reason}`)
    }
    if (result.value.length === 0) return warn(`Can't find host ${spec.host}: no IPv${family} address`)
    const addresses = result.value.map((a) => a.address)
    if (addresses.join() !== spec.host) debug?.(`resolved ${spec.host} to ${addresses.join(', ')}`)
    for (const { address, family } of result.value) {
      const server: Server = { name: spec.host, address, port: spec.port, family }
      servers.set(displayServer(server), server)
    }
  })
  if (servers.size === 0) throw new NoServerError('no servers can be used, exiting')
  return [...servers.values()]
}
