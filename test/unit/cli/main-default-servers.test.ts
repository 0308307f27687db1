// main() with no server named: the list comes from deps.defaultServerTexts (the defaults file,
// step-tickers), and `-v` alone still only prints the version.
import t from 'tap'
import { main, type System } from '../../../src/cli/main.js'
import { mainDeps } from '../../helpers/fake-system.js'
import type { DefaultServerTexts } from '../../../src/config/default-servers.js'

/** A system whose resolver records the names asked for and resolves none of them. */
function run(argv: string[], texts?: DefaultServerTexts) {
  const resolved: string[] = []
  let textsRead = 0
  const system: System = {
    clock: { nowNanos: () => 0n, step: () => t.fail('step'), slew: () => t.fail('slew') },
    resolve: async (host) => {
      resolved.push(host)
      throw new Error('not in this test')
    },
    randomBytes: (n) => new Uint8Array(n),
    openSocket: async () => {
      throw new Error('no socket in this test')
    },
    timeDaemon: () => undefined,
    canSetClock: () => true,
    keys: { readKeyFile: () => ({ absent: true }), symmetricAuth: async () => t.fail('no keys') as never },
    nts: async () => t.fail('no NTS') as never,
    markSynchronised: () => t.fail('no mark') as never,
    drift: {
      read: () => ({ absent: true }),
      write: () => {},
      bootId: () => undefined,
      clocks: () => ({ boottimeSeconds: 0, realMinusBootSeconds: 0 }),
      kernelPpm: () => 0,
      setKernelPpm: () => t.fail('no frequency set') as never,
    },
  }
  const { deps, stdout, stderr } = mainDeps(system, {
    ...(texts && {
      defaultServerTexts: () => {
        textsRead++
        return texts
      },
    }),
  })
  return main(argv, deps).then((code) => ({ code, resolved, stdout, stderr, textsRead: () => textsRead }))
}

t.test('no server named: NTPSERVERS from the defaults file', async (t) => {
  const r = await run(['-q'], { defaults: 'NTPSERVERS="ntp1.example ntp2.example"\n', stepTickers: 'tick.example\n' })
  t.same(r.resolved, ['ntp1.example', 'ntp2.example'])
  t.equal(r.code, 1, 'none resolved: exit 1')
})

t.test('no server named, NTPSERVERS empty: step-tickers', async (t) => {
  const r = await run(['-q'], { defaults: 'NTPSERVERS=""\n', stepTickers: '# ours\ntick1.example\ntick2.example # backup\n' })
  t.same(r.resolved, ['tick1.example', 'tick2.example'])
})

t.test('no server named, no list anywhere: a usage error, nothing queried (no built-in pool.ntp.org; issue 22, point 14)', async (t) => {
  for (const r of [await run(['-q'], {}), await run(['-q'])]) {
    t.equal(r.code, 2, 'exit 2')
    t.same(r.resolved, [], 'no name looked up')
    t.match(r.stderr, [/no server named, and none configured: name one, or set NTPSERVERS in \/etc\/default\/tsntpdate \(or list servers in \/etc\/ntp\/step-tickers\)$/])
  }
})

t.test('servers on the command line win; the files are not read', async (t) => {
  const r = await run(['-q', 'cli.example'], { defaults: 'NTPSERVERS="ntp1.example"\n' })
  t.same(r.resolved, ['cli.example'])
  t.equal(r.textsRead(), 0)
})

t.test('-v alone prints the version and reads nothing', async (t) => {
  const r = await run(['-v'], { defaults: 'NTPSERVERS="ntp1.example"\n' })
  t.equal(r.code, 0)
  t.same(r.stdout, ['tsntpdate 0.1.0'])
  t.same(r.resolved, [])
  t.equal(r.textsRead(), 0)
})

t.test('-d says where the list came from', async (t) => {
  const r = await run(['-d'], { stepTickers: 'tick.example\n' })
  t.ok(r.stdout.includes('no server named: using tick.example (from step-tickers)'), 'trace line', { stdout: r.stdout })
})

t.test('a bad server in a file: exit 2, naming where it came from', async (t) => {
  const r = await run(['-q'], { defaults: 'NTPSERVERS="good.example [::1"\n' })
  t.equal(r.code, 2)
  t.equal(r.stderr.length, 1)
  t.match(r.stderr[0], /tsntpdate\[4242\]: NTPSERVERS: bad server '\[::1'/)
  t.same(r.resolved, [], 'nothing was resolved')
})

t.test("no server named: DHCP's servers first, a hostile word dropped with a warning; -a keeps to the defaults file (issue 24, part 4)", async (t) => {
  const texts = { defaults: 'NTPSERVERS="ntp1.example"\n', dhcp: [{ from: '/run/tsntpdate-dhcp/eth0', words: ['dhcp1.example', '-oBad'] }] }
  const r = await run(['-q'], texts)
  t.same(r.resolved, ['dhcp1.example'])
  t.match(r.stderr, [/\/run\/tsntpdate-dhcp\/eth0: '-oBad' is no server name or address; ignored$/, /Can't find host dhcp1\.example/])
  const named = await run(['-q', 'cli.example'], texts)
  t.same(named.resolved, ['cli.example'], 'servers on the command line win')
})
