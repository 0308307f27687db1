/**
 * One way to prepare servers, for plain, -a and --nts alike: the specs (named, or the configured
 * defaults), then the servers to query and how each one's requests are protected, and the names
 * that already failed.
 */
import { chooseDefaultServers, type DefaultServers, type DefaultServerTexts } from '../config/default-servers.js'
import { NTS_KE_PORT } from '../config/nts-defaults.js'
import { parseServerSpec, type ServerSpec } from '../config/server.js'
import { UsageError } from '../errors.js'
import type { RequestAuth } from '../auth/authentication.js'
import type { Server } from '../ntp/endpoint.js'
import type { Options } from '../config/options.js'

/** The specs to query: the operands, else the defaults file's or step-tickers' servers. */
export function serverSpecs(options: Options, texts: () => DefaultServerTexts, warn: (line: string) => void, debug: ((line: string) => void) | undefined): ServerSpec[] {
  const defaultPort = options.nts ? NTS_KE_PORT : undefined
  if (!options.defaultServers) return options.servers.map((text) => toSpec(text, defaultPort))
  const fallback = defaultServers(texts(), options.keyId !== undefined || options.nts, warn)
  debug?.(`no server named: using ${fallback.servers.join(' ')} (from ${fallback.from})`)
  return fallback.servers.map((text) => toSpec(text, defaultPort, fallback.from))
}

/** What the one query is given: the same whether plain, -a or --nts prepared it. */
export interface PreparedServers {
  servers: readonly Server[]
  /** how a server's requests are protected; absent: plain */
  authFor?: (server: Server) => RequestAuth | undefined
}

/** A defaults file outside its subset, or none configured, is a usage error. */
function defaultServers(texts: DefaultServerTexts, authenticated: boolean, warn: (line: string) => void): DefaultServers {
  texts.warnings?.forEach(warn)
  const chosen = chooseDefaultServers(texts, authenticated)
  if ('error' in chosen) throw new UsageError(chosen.error)
  chosen.dropped?.forEach(warn)
  return chosen
}

/** `from`: where a server not named on the command line came from (NTPSERVERS, step-tickers) */
function toSpec(text: string, defaultPort: number | undefined, from?: string): ServerSpec {
  const spec = parseServerSpec(text, defaultPort)
  if ('error' in spec) throw new UsageError(from ? `${from}: ${spec.error}` : spec.error)
  return spec
}
