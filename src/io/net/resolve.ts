/** Host names to every address, through the system resolver (getaddrinfo, so /etc/hosts counts). */
import type { Resolve } from '../../ports.js'

const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/

/**
 * 4 or 6 for an IP literal, else 0, as net.isIP says. node:net is loaded only for a host with a
 * colon: loading it costs ~1.5 ms of a ~90 ms run, and its isIPv6 compiles a large regular
 * expression on first use.
 */
export async function ipLiteralFamily(host: string): Promise<0 | 4 | 6> {
  if (DOTTED_QUAD.test(host)) return 4
  if (!host.includes(':')) return 0
  return (await import('node:net')).isIPv6(host) ? 6 : 0
}

export const resolveWithSystem: Resolve = async (host, family) => {
  // An IP literal needs no resolver (and no resolver thread pool, nor the dns module, to start).
  const literal = await ipLiteralFamily(host)
  if (literal !== 0 && family !== undefined && family !== literal) return []
  if (literal === 4) return [{ address: host, family: 4 }]
  if (literal === 6) return [{ address: (await import('./ip-address.js')).canonicalIPv6(host), family: 6 }]
  const { lookup } = await import('node:dns/promises')
  const found = await lookup(host, { all: true, family: family ?? 0, verbatim: true })
  // lookup() hands an IP literal back whatever family was asked for: -4/-6 must filter it too
  const wanted = found.filter((a) => family === undefined || a.family === family)
  const unique = new Map(wanted.map((a) => [a.address, { address: a.address, family: a.family === 6 ? 6 : 4 } as const]))
  return [...unique.values()]
}
