/** Server specs to the addresses to query (shell: uses the injected resolver). */
import { NoServerError } from '../errors.js'
import type { Resolve } from '../io/ports.js'
import { listSome } from '../report/format.js'
import { type ServerSpec } from '../config/server.js'
import { displayServer, type AddressFamily, type Server } from '../ntp/endpoint.js'

/**
 * Every address of every name; a name that does not resolve is a warning, as in classic ntpdate,
 * and is handed to `unresolved` with the reason (for the JSON report). All the lookups together get
 * `budgetSeconds` (the run's -t): a resolver that does not answer costs that once, not its own
 * timeout for every name, and a name not resolved by then counts as unresolved.
 */
export async function resolveServers(
  specs: readonly ServerSpec[],
  family: AddressFamily | undefined,
  resolve: Resolve,
  warn: (line: string) => void,
  debug: ((line: string) => void) | undefined,
  unresolved: (spec: ServerSpec, reason: string) => void = () => {},
  budgetSeconds = Infinity,
): Promise<Server[]> {
  let timer: NodeJS.Timeout | undefined
  const outOfTime = new Promise<never>((_, reject) => {
    if (budgetSeconds !== Infinity) timer = setTimeout(() => reject(new LookupTimeout(budgetSeconds)), budgetSeconds * 1000)
  })
  outOfTime.catch(() => {})
  // All at once: getaddrinfo runs on libuv's worker threads (4), which queue the rest, and an IP
  // literal needs no lookup, so it must not wait behind names that hang.
  const results = await Promise.allSettled(specs.map((spec) => Promise.race([resolve(spec.host, family), outOfTime])))
  clearTimeout(timer)
  const servers = new Map<string, Server>()
  const failed: { host: string; reason: string }[] = []
  specs.forEach((spec, i) => {
    const result = results[i] ?? { status: 'rejected', reason: new Error('no answer') }
    const found = result.status === 'fulfilled' ? result.value : []
    if (found.length === 0) {
      const reason = result.status === 'rejected' ? describeLookupError(result.reason) : `no IPv${family} address`
      failed.push({ host: spec.host, reason })
      return unresolved(spec, reason)
    }
    const addresses = found.map((a) => a.address)
    if (addresses.join() !== spec.host) debug?.(`resolved ${spec.host} to ${addresses.join(', ')}`)
    for (const { address, family } of found) {
      const server: Server = { name: spec.host, address, port: spec.port, family }
      servers.set(displayServer(server), server)
    }
  })
  warnUnresolved(failed, warn)
  const names = failed.map((f) => f.host)
  if (servers.size === 0) throw new NoServerError(`no servers can be used, exiting: none of ${listSome(names)} resolved`)
  return [...servers.values()]
}

/** Classic's `Can't find host NAME: why` for each name, or for many, one line per reason. */
function warnUnresolved(failed: readonly { host: string; reason: string }[], warn: (line: string) => void): void {
  if (failed.length <= LINES_FOR_EACH_NAME) return failed.forEach(({ host, reason }) => warn(`Can't find host ${host}: ${reason}`))
  const byReason = new Map<string, string[]>()
  for (const { host, reason } of failed) {
    if (!byReason.has(reason)) byReason.set(reason, [])
    byReason.get(reason)!.push(host)
  }
  for (const [reason, hosts] of byReason) warn(`${hosts.length} names did not resolve (${reason}): ${listSome(hosts)}`)
}

const LINES_FOR_EACH_NAME = 5

/** The lookups' budget ran out before this name's answer came. */
class LookupTimeout extends Error {
  constructor(readonly seconds: number) {
    super(`the resolver did not answer within ${seconds} s`)
  }
}

/** getaddrinfo's failures in words; a temporary one says so, since a later run may well succeed. */
export function describeLookupError(error: unknown): string {
  if (error instanceof LookupTimeout) return error.message
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
