import t from 'tap'
import { NoServerError } from '../../../src/errors.js'
import type { ResolvedAddress } from '../../../src/io/ports.js'
import { resolveServers } from '../../../src/network/resolve-servers.js'
import { parseServerSpec, type ServerSpec } from '../../../src/config/server.js'

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

t.test('a thousand names: every one is looked up, all at once (libuv queues them), and kept in command-line order', async (t) => {
  const names = Array.from({ length: 1000 }, (_, i) => `ntp${i}.example.org`)
  const addressOf = new Map(names.map((name, i) => [name, `10.0.${Math.floor(i / 250)}.${i % 250}`]))
  const resolver = slowResolver((host) => [{ address: addressOf.get(host)!, family: 4 }])
  const servers = await resolveServers(names.map(spec), undefined, resolver.resolve, t.fail, undefined)
  t.equal(servers.length, 1000, 'one server per name')
  t.same(servers.map((s) => s.name), names, 'in command-line order')
  t.equal(resolver.most(), 1000, 'all started at once, so no name waits behind one that hangs')
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

t.test('10000 names that do not resolve: one line per reason, summarised (issue 9, finding 12)', async (t) => {
  const specs = Array.from({ length: 10_000 }, (_, i) => spec(`h${i}.invalid`))
  const warnings: string[] = []
  const r = slowResolver(() => [])
  await t.rejects(resolveServers(specs, undefined, r.resolve, (line) => warnings.push(line), undefined), {
    message: 'no servers can be used, exiting: none of h0.invalid, h1.invalid, h2.invalid, h3.invalid, h4.invalid, … (10000 in all) resolved',
  })
  t.same(warnings, ['10000 names did not resolve (no such host): h0.invalid, h1.invalid, h2.invalid, h3.invalid, h4.invalid, … (10000 in all)'])
})

t.test('a resolver that never answers costs the budget once, for all names (issue 9, finding 11)', async (t) => {
  const specs = Array.from({ length: 20 }, (_, i) => spec(`dead${i}.example`))
  const warnings: string[] = []
  const unresolved: string[] = []
  const started = process.hrtime.bigint()
  const never = () => new Promise<ResolvedAddress[]>(() => {})
  await t.rejects(
    resolveServers(specs, undefined, never, (line) => warnings.push(line), undefined, (s, why) => unresolved.push(`${s.host}: ${why}`), 0.2),
    NoServerError,
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  t.ok(seconds >= 0.19 && seconds < 1, `all 20 gave up together after ${seconds.toFixed(3)} s`)
  t.equal(unresolved.length, 20)
  t.equal(unresolved[19], 'dead19.example: the resolver did not answer within 0.2 s')
  t.same(warnings, ['20 names did not resolve (the resolver did not answer within 0.2 s): dead0.example, dead1.example, dead2.example, dead3.example, dead4.example, … (20 in all)'])
})

t.test('names that answer within the budget resolve as usual', async (t) => {
  const r = slowResolver(() => [{ address: '192.0.2.1', family: 4 }])
  const servers = await resolveServers([spec('a.example'), spec('b.example:1234')], undefined, r.resolve, () => {}, undefined, undefined, 5)
  t.same(servers.map((s) => `${s.name} ${s.address}:${s.port}`), ['a.example 192.0.2.1:123', 'b.example 192.0.2.1:1234'])
})
