/** Host names to every address, through the system resolver (getaddrinfo, so /etc/hosts counts). */
import { lookup } from 'node:dns/promises'
import type { Resolve } from '../ports.js'

export const resolveWithSystem: Resolve = async (host, family) => {
  const found = await lookup(host, { all: true, family: family ?? 0, verbatim: true })
  const unique = new Map(found.map((a) => [a.address, { address: a.address, family: a.family === 6 ? 6 : 4 } as const]))
  return [...unique.values()]
}
