import t from 'tap'
import type { ResolvedAddress } from '../../../src/ports.js'
import { noneResolvedLine, resolveServers } from '../../../src/network/resolve-servers.js'
import { fakeTime } from '../../helpers/fake-timers.js'
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
  const resolver = slowResolver((host) => [{ address: addressOf.get(host) ?? '', family: 4 }])
  const { servers, unresolved } = await resolveServers(names.map(spec), resolver.resolve, { family: undefined }, t.fail, undefined)
  t.equal(servers.length, 1000, 'one server per name')
  t.same(
    servers.map((s) => s.name),
    names,
    'in command-line order',
  )
  t.same(unresolved, [])
  t.equal(resolver.most(), 1000, 'all started at once, so no name waits behind one that hangs')
})

t.test('names that fail are warned about, in order, listed with the reason, and the rest still count', async (t) => {
  const warnings: string[] = []
  const resolver = slowResolver(() => [{ address: '192.0.2.1', family: 4 }])
  const { servers, unresolved } = await resolveServers(['a.invalid', 'good.example', 'b.invalid'].map(spec), resolver.resolve, { family: undefined }, (l) => warnings.push(l), undefined)
  t.same(
    servers.map((s) => s.name),
    ['good.example'],
  )
  t.same(warnings, ["Can't find host a.invalid: no such host", "Can't find host b.invalid: no such host"])
  t.same(unresolved, [
    { name: 'a.invalid', port: 123, reason: 'no such host' },
    { name: 'b.invalid', port: 123, reason: 'no such host' },
  ])
})

t.test('nothing resolves: no servers, every name listed', async (t) => {
  const resolver = slowResolver(() => [])
  const { servers, unresolved } = await resolveServers(['x.example', 'y.example'].map(spec), resolver.resolve, { family: 4 }, () => {}, undefined)
  t.same(servers, [])
  t.same(
    unresolved.map((u) => u.reason),
    ['no IPv4 address', 'no IPv4 address'],
  )
  t.equal(noneResolvedLine(unresolved), 'no servers can be used, exiting: none of x.example, y.example resolved')
})

t.test('10000 names that do not resolve: one line per reason, summarised (issue 9, finding 12)', async (t) => {
  const specs = Array.from({ length: 10_000 }, (_, i) => spec(`h${i}.invalid`))
  const warnings: string[] = []
  const r = slowResolver(() => [])
  const { unresolved } = await resolveServers(specs, r.resolve, { family: undefined }, (line) => warnings.push(line), undefined)
  t.equal(noneResolvedLine(unresolved), 'no servers can be used, exiting: none of h0.invalid, h1.invalid, h2.invalid, h3.invalid, h4.invalid, … (10000 in all) resolved')
  t.same(warnings, ['10000 names did not resolve (no such host): h0.invalid, h1.invalid, h2.invalid, h3.invalid, h4.invalid, … (10000 in all)'])
})

t.test('a resolver that never answers costs the budget once, for all names (issue 9, finding 11)', async (t) => {
  const specs = Array.from({ length: 20 }, (_, i) => spec(`dead${i}.example`))
  const warnings: string[] = []
  const never = () => new Promise<ResolvedAddress[]>(() => {})
  const time = fakeTime()
  const { servers, unresolved } = await time.run(resolveServers(specs, never, { family: undefined, budgetSeconds: 0.2, timers: time.timers }, (line) => warnings.push(line), undefined))
  t.equal(time.elapsedNanos(), 200_000_000n, 'all 20 gave up together, after the budget')
  t.same(servers, [])
  t.equal(unresolved.length, 20)
  t.same(unresolved[19], { name: 'dead19.example', port: 123, reason: 'the resolver did not answer within 0.2 s' })
  t.same(warnings, ['20 names did not resolve (the resolver did not answer within 0.2 s): dead0.example, dead1.example, dead2.example, dead3.example, dead4.example, … (20 in all)'])
})

t.test('names that answer within the budget resolve as usual', async (t) => {
  const r = slowResolver(() => [{ address: '192.0.2.1', family: 4 }])
  const { servers } = await resolveServers([spec('a.example'), spec('b.example:1234')], r.resolve, { family: undefined, budgetSeconds: 5 }, () => {}, undefined)
  t.same(
    servers.map((s) => `${s.name} ${s.address}:${s.port}`),
    ['a.example 192.0.2.1:123', 'b.example 192.0.2.1:1234'],
  )
})
