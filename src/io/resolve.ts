/** Host names to every address, through the system resolver (getaddrinfo, so /etc/hosts counts). */
import { isIP } from 'node:net'
import type { Resolve } from '../ports.js'

export const resolveWithSystem: Resolve = async (host, family) => {
  // An IP literal needs no resolver (and no resolver thread pool, nor the dns module, to start).
  const literal = isIP(host)
  if (literal === 4 || literal === 6) return family === undefined || family === literal ? [{ address: host, family: literal }] : []
  const { lookup } = await import('node:dns/promises')
  const found = await lookup(host, { all: true, family: family ?? 0, verbatim: true })
  // lookup() hands an IP literal back whatever family was asked for: -4/-6 must filter it too
  const wanted = found.filter((a) => family === undefined || a.family === family)
  const unique = new Map(wanted.map((a) => [a.address, { address: a.address, family: a.family === 6 ? 6 : 4 } as const]))
  return [...unique.values()]
}
