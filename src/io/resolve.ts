/** Host names to every address, through the system resolver (getaddrinfo, so /etc/hosts counts). */
import { lookup } from 'node:dns/promises'
import type { Resolve } from '../ports.js'

export const resolveWithSystem: Resolve = async (host, family) => {
  const found = await lookup(host, { all: true, family: family ?? 0, verbatim: true })
  // lookup() hands an IP literal back whatever family was asked for: -4/-6 must filter it too
  const wanted = found.filter((a) => family === undefined || a.family === family)
  const unique = new Map(wanted.map((a) => [a.address, { address: a.address, family: a.family === 6 ? 6 : 4 } as const]))
  return [...unique.values()]
}
