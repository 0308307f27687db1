// main() and the kernel's synchronised mark: made after a real set only, from the chosen server's
// root distance (plus what a slew has still to go); never with -q, -d, --max-offset or
// --no-sync-mark; a mark that fails is one line, and the set still succeeds.
import t from 'tap'
import { main } from '../../../src/cli/main.js'
import { fakeSystem, mainDeps, type FakeServer, type FakeSystemOptions } from '../../helpers/fake-system.js'

async function run(argv: string[], servers: Record<string, FakeServer>, options: FakeSystemOptions = {}) {
  const { system, calls, marks } = fakeSystem(servers, options)
  const { deps, stdout, stderr } = mainDeps(system)
  const code = await main(argv, deps)
  return { code, stdout, stderr, calls, marks }
}

const FAST = ['--gap', '0', '-t', '0.05']
const ONE = { '10.0.0.1': { ahead: 0.2 } }

t.test('a set marks the kernel clock synchronised, once, after the set', async (t) => {
  const slewed = await run([...FAST, '10.0.0.1'], ONE)
  t.equal(slewed.code, 0)
  t.same(slewed.calls, ['slew 0.200000'])
  t.equal(slewed.marks.length, 1)
  const maxError = Number(/^maxerror (\d+) µs/.exec(slewed.marks[0] ?? '')?.[1])
  t.ok(maxError > 200_000 && maxError < 220_000, `a slew's bound holds the 0.2 s still to go: ${slewed.marks[0]}`)
  const stepped = await run([...FAST, '-b', '10.0.0.1'], ONE)
  const stepBound = Number(/^maxerror (\d+) µs/.exec(stepped.marks[0] ?? '')?.[1])
  t.ok(stepBound > 0 && stepBound < 20_000, `a step's bound is the root distance: ${stepped.marks[0]}`)
})

t.test('no mark without a set: -q, -d, --max-offset, a refused set, --no-sync-mark', async (t) => {
  for (const argv of [['-q'], ['-d'], ['--max-offset', '1'], ['--no-sync-mark']]) {
    const r = await run([...FAST, ...argv, '10.0.0.1'], ONE)
    t.same(r.marks, [], argv.join(' '))
  }
  const refused = await run([...FAST, '10.0.0.1'], ONE, { refuse: 'Operation not permitted' })
  t.not(refused.code, 0)
  t.same(refused.marks, [], 'a set the kernel refused is not marked')
})

t.test('a mark that fails is one line; the run still succeeds', async (t) => {
  const r = await run([...FAST, '10.0.0.1'], ONE, { markFails: 'adjtimex: Operation not permitted' })
  t.equal(r.code, 0)
  t.same(r.calls, ['slew 0.200000'])
  t.match(r.stderr, [/the clock is set, but the kernel was not told it is synchronised: adjtimex: Operation not permitted$/])
})
