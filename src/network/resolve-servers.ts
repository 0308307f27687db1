/**
 * Names to addresses, for plain, -a and --nts alike (shell: uses the injected resolver). All the
 * lookups of a step share one budget (the run's -t): a resolver that does not answer costs that
 * once, not its own timeout for every name, and a name not resolved by then counts as unresolved.
 */
import type { ResolvedAddress, Resolve, Timers } from '../ports.js'
import { nodeTimers } from '../io/kernel/timers.js'
import { listSome } from '../report/format.js'
import { type ServerSpec } from '../config/server.js'
import { displayServer, type AddressFamily, type Server } from '../ntp/endpoint.js'
import type { UnresolvedName } from '../report/json.js'

export interface LookupSettings {
  family: AddressFamily | undefined
  /** seconds for all the lookups together; default: no limit */
  budgetSeconds?: number
  timers?: Timers
}

/** A name's addresses (of the asked family), or why there are none. */
export type Lookup = { addresses: ResolvedAddress[] } | { failure: string }

/** Every address of each host, in order; all at once within one budget. */
export async function lookUp(hosts: readonly string[], resolve: Resolve, settings: LookupSettings): Promise<Lookup[]> {
  const { family, budgetSeconds = Infinity, timers = nodeTimers } = settings
  let cancel = () => {}
  const outOfTime = new Promise<never>((_, reject) => {
    if (budgetSeconds !== Infinity) cancel = timers.after(budgetSeconds * 1000, () => reject(new LookupTimeout(budgetSeconds)))
  })
  outOfTime.catch(() => {})
  // All at once: getaddrinfo runs on libuv's worker threads (4), which queue the rest, and an IP
  // literal needs no lookup, so it must not wait behind names that hang.
  const results = await Promise.allSettled(hosts.map((host) => Promise.race([resolve(host, family), outOfTime])))
  cancel()
  return results.map((result) => {
    if (result.status === 'rejected') return { failure: describeLookupError(result.reason) }
    if (result.value.length === 0) return { failure: family === undefined ? 'the name has no address' : `no IPv${family} address` }
    return { addresses: result.value }
  })
}

export interface Resolved {
  /** every address of every name that resolved */
  servers: Server[]
  unresolved: UnresolvedName[]
}

/**
 * Every address of every spec; a name that does not resolve is a warning, as in classic ntpdate,
 * and is listed with the reason (for the JSON report).
 */
export async function resolveServers(
  specs: readonly ServerSpec[],
  resolve: Resolve,
  settings: LookupSettings,
  warn: (line: string) => void,
  debug: ((line: string) => void) | undefined,
): Promise<Resolved> {
  const lookups = await lookUp(
    specs.map((s) => s.host),
    resolve,
    settings,
  )
  const servers = new Map<string, Server>()
  const unresolved: UnresolvedName[] = []
  specs.forEach((spec, i) => {
    const found = lookups[i] ?? { failure: 'no answer' }
    if ('failure' in found) {
      if (!unresolved.some((u) => u.name === spec.host && u.port === spec.port)) unresolved.push({ name: spec.host, port: spec.port, reason: found.failure })
      return
    }
    const addresses = found.addresses.map((a) => a.address)
    if (addresses.join() !== spec.host) debug?.(`resolved ${spec.host} to ${addresses.join(', ')}`)
    for (const { address, family } of found.addresses) {
      const server: Server = { name: spec.host, address, port: spec.port, family }
      servers.set(displayServer(server), server)
    }
  })
  warnUnresolved(unresolved, warn)
  return { servers: [...servers.values()], unresolved }
}

/** The line of a run none of whose names resolved. */
export function noneResolvedLine(unresolved: readonly UnresolvedName[]): string {
  return `no servers can be used, exiting: none of ${listSome(unresolved.map((u) => u.name))} resolved`
}

/** Classic's `Can't find host NAME: why` for each name, or for many, one line per reason. */
function warnUnresolved(failed: readonly UnresolvedName[], warn: (line: string) => void): void {
  if (failed.length <= LINES_FOR_EACH_NAME) return failed.forEach(({ name, reason }) => warn(`Can't find host ${name}: ${reason}`))
  const byReason = new Map<string, string[]>()
  for (const { name, reason } of failed) byReason.set(reason, [...(byReason.get(reason) ?? []), name])
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
