/** Server specs to the addresses to query (shell: uses the injected resolver). */
import { NoServerError } from './errors.js'
import type { Resolve } from './ports.js'
import { displayServer, type AddressFamily, type Server, type ServerSpec } from './server.js'

/**
 * Names looked up at once. getaddrinfo runs on libuv's 4 worker threads anyway; the cap keeps a
 * command line of a thousand names from queueing a thousand lookups (and resolver queries) at once.
 */
const MAX_CONCURRENT_LOOKUPS = 8

/**
 * Every address of every name; a name that does not resolve is a warning, as in classic ntpdate,
 * and is handed to `unresolved` with the reason (for the JSON report).
 */
export async function resolveServers(
  specs: readonly ServerSpec[],
  family: AddressFamily | undefined,
  resolve: Resolve,
  warn: (line: string) => void,
  debug: ((line: string) => void) | undefined,
  unresolved: (spec: ServerSpec, reason: string) => void = () => {},
): Promise<Server[]> {
  const results = await settleAtMost(MAX_CONCURRENT_LOOKUPS, specs, (spec) => resolve(spec.host, family))
  const servers = new Map<string, Server>()
  const failed: string[] = []
  results.forEach((result, i) => {
    const spec = specs[i]!
    const found = result.status === 'fulfilled' ? result.value : []
    if (found.length === 0) {
      const reason = result.status === 'rejected' ? describeLookupError(result.reason) : `no IPv${family} address`
      failed.push(spec.host)
      unresolved(spec, reason)
      return warn(`Can't find host ${spec.host}: ${reason}`)
    }
    const addresses = found.map((a) => a.address)
    if (addresses.join() !== spec.host) debug?.(`resolved ${spec.host} to ${addresses.join(', ')}`)
    for (const { address, family } of found) {
      const server: Server = { name: spec.host, address, port: spec.port, family }
      servers.set(displayServer(server), server)
    }
  })
  if (servers.size === 0) throw new NoServerError(`no servers can be used, exiting: none of ${failed.join(', ')} resolved`)
  return [...servers.values()]
}

/** Promise.allSettled over `items`, with at most `limit` calls of `run` in flight; results in order. */
async function settleAtMost<T, R>(limit: number, items: readonly T[], run: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      try {
        results[i] = { status: 'fulfilled', value: await run(items[i]!) }
      } catch (reason) {
        results[i] = { status: 'rejected', reason }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/** getaddrinfo's failures in words; a temporary one says so, since a later run may well succeed. */
export function describeLookupError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  switch (code) {
    case 'ENOTFOUND':
      return 'no such host'
    case 'ENODATA':
      return 'the name has no address'
    case 'EAI_AGAIN':
      return 'temporary failure in name resolution (the resolver did not answer; try again later)'
    case 'EAI_FAIL':
      return 'the resolver failed permanently'
  }
  return error instanceof Error ? error.message : String(error)
}
