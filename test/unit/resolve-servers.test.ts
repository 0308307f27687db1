import t from 'tap'
import { NoServerError } from '../../src/errors.js'
import type { ResolvedAddress } from '../../src/ports.js'
import { resolveServers } from '../../src/resolve-servers.js'
import { parseServerSpec, type ServerSpec } from '../../src/server.js'

const spec = (text: string): ServerSpec => {
  const parsed = parseServerSpec(text)
  if ('error' in parsed) throw new Error(parsed.error)
  return parsed
}

/** A resolver whose every lookup takes a few event-loop turns, counting how many are in flight. */
function slowResolver(answer: (host: string) => ResolvedAddress[]) {
  let inFlight = 0
  let most = 0
  const resolve = async (host: string) => {
    inFlight++
    most = Math.max(most, inFlight)
    try {
      await new Promise((r) => setTimeout(r, 1))
      if (host.endsWith('.invalid')) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
      return answer(host)
    } finally {
      inFlight--
    }
  }
  return { resolve, most: () => most }
}

t.test('a thousand names: every one is looked up, a few at a time, and kept in command-line order', async (t) => {
  const names = Array.from({ length: 1000 }, (_, i) => `ntp${i}.example.org`)
  const addressOf = new Map(names.map((name, i) => [name, `10.0.${Math.floor(i / 250)}.${i % 250}`]))
  const resolver = slowResolver((host) => [{ address: addressOf.get(host)!, family: 4 }])
  const servers = await resolveServers(names.map(spec), undefined, resolver.resolve, t.fail, undefined)
  t.equal(servers.length, 1000, 'one server per name')
  t.same(servers.map((s) => s.name), names, 'in command-line order')
  t.ok(resolver.most() > 1, `lookups overlap (${resolver.most()} at once)`)
  t.ok(resolver.most() <= 8, `at most 8 lookups at once (${resolver.most()})`)
})

t.test('names that fail are warned about, in order, and the rest still count', async (t) => {
  const warnings: string[] = []
  const resolver = slowResolver(() => [{ address: '192.0.2.1', family: 4 }])
  const servers = await resolveServers(['a.invalid', 'good.example', 'b.invalid'].map(spec), undefined, resolver.resolve, (l) => warnings.push(l), undefined)
  t.same(servers.map((s) => s.name), ['good.example'])
  t.same(warnings, ["Can't find host a.invalid: no such host", "Can't find host b.invalid: no such host"])
})

t.test('nothing resolves: NoServerError naming every name', async (t) => {
  const resolver = slowResolver(() => [])
  await t.rejects(resolveServers(['x.invalid', 'y.invalid'].map(spec), undefined, resolver.resolve, () => {}, undefined), NoServerError)
})
