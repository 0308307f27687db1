// main() with an in-process network and a fake clock: the step/slew choice and the error mapping
// through the Clock port, without touching this machine's clock.
import t from 'tap'
import { main } from '../../../src/cli/main.js'
import type { RunningDaemon } from '../../../src/host/time-daemon.js'
import { fakeSystem, mainDeps, type FakeServer } from '../../helpers/fake-system.js'

async function run(argv: string[], servers: Record<string, FakeServer>, refuse?: string, daemon?: RunningDaemon, canSetClock = true) {
  const { system, calls, daemonChecks, sent } = fakeSystem(servers, { refuse, daemon, canSetClock })
  /** what went to syslog: `local daemon.notice message` (facility as its code) */
  const logged: string[] = []
  const { deps, stdout, stderr } = mainDeps(system, {
    openLogger: async (target) => ({
      log: (severity, message) => logged.push(`${target.kind} ${target.facility}.${severity} ${message}`),
      close: async () => undefined,
    }),
  })
  const code = await main(argv, deps)
  return { code, stdout, stderr, calls, daemonChecks, logged, sent }
}

const FAST = ['--gap', '0', '-t', '0.05']

t.test('a small offset is slewed and reported as adjust', async (t) => {
  const r = await run([...FAST, '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } })
  t.equal(r.code, 0)
  t.same(r.calls, ['slew 0.200000'])
  t.same(r.stdout, ['25 Nov 02:33:22 tsntpdate[4242]: adjust time server 10.0.0.1 offset +0.200000 sec'])
  t.same(r.stderr, [])
})

t.test('a large offset is stepped; -B forces a slew, -b a step', async (t) => {
  t.same((await run([...FAST, '10.0.0.1'], { '10.0.0.1': { ahead: -3 } })).calls, ['step -3.000000'])
  t.same((await run([...FAST, '-B', '10.0.0.1'], { '10.0.0.1': { ahead: -3 } })).calls, ['slew -3.000000'])
  t.same((await run([...FAST, '-B', '-b', '10.0.0.1'], { '10.0.0.1': { ahead: 0.001 } })).calls, ['step 0.001000'])
})

t.test('-q and -d never touch the clock', async (t) => {
  const q = await run([...FAST, '-q', '10.0.0.1'], { '10.0.0.1': { ahead: 3 } })
  t.equal(q.code, 0)
  t.same(q.calls, [])
  t.match(q.stdout[0], /^server 10\.0\.0\.1, stratum 2, offset \+3\.000000, delay 0\.00020$/)
  t.match(q.stdout[1], /step time server 10\.0\.0\.1 offset \+3\.000000 sec$/)
  const d = await run([...FAST, '-d', '10.0.0.1'], { '10.0.0.1': { ahead: 3 } })
  t.equal(d.code, 0)
  t.same(d.calls, [])
})

t.test('the lowest-delay server is chosen; unusable servers are not', async (t) => {
  const r = await run([...FAST, '-q', '10.0.0.1', '10.0.0.2', '10.0.0.3'], {
    '10.0.0.1': { ahead: 0.1 },
    '10.0.0.2': { ahead: 0.1, stratum: 16 },
  })
  t.equal(r.code, 0)
  t.equal(r.stdout.length, 3, 'two answering servers and the final line')
  t.match(r.stdout[2], /adjust time server 10\.0\.0\.1 /)
})

t.test('a refused clock change exits 4 with one line and no success line', async (t) => {
  const r = await run([...FAST, '10.0.0.1'], { '10.0.0.1': { ahead: 2 } }, 'Operation not permitted')
  t.equal(r.code, 4)
  t.same(r.stdout, [])
  t.same(r.stderr, ["25 Nov 02:33:22 tsntpdate[4242]: Can't set time of day: Operation not permitted"])
})

t.test('--max-step refuses a larger change and leaves the clock alone', async (t) => {
  const r = await run([...FAST, '--max-step', '1', '10.0.0.1'], { '10.0.0.1': { ahead: -2 } })
  t.equal(r.code, 4)
  t.same(r.calls, [])
  t.match(r.stderr[0], /refusing to step the clock by -2\.000000 s, more than --max-step 1 s/)
  const ok = await run([...FAST, '-b', '--max-step', '1', '10.0.0.1'], { '10.0.0.1': { ahead: 0.7 } })
  t.same(ok.calls, ['step 0.700000'])
})

t.test('no answer, or no name resolving, exits 1', async (t) => {
  const dead = await run([...FAST, '10.0.0.9'], {})
  t.equal(dead.code, 1)
  t.match(dead.stderr, [/no server suitable for synchronization found$/])
  const unresolved = await run([...FAST, 'nowhere.invalid'], {})
  t.equal(unresolved.code, 1)
  t.match(unresolved.stderr, [/Can't find host nowhere\.invalid: no such host$/, /no servers can be used, exiting: none of nowhere\.invalid resolved$/])
  const none = await run([...FAST, 'nowhere.invalid', 'flaky.example'], {})
  t.equal(none.code, 1)
  t.match(none.stderr, [
    /Can't find host nowhere\.invalid: no such host$/,
    /Can't find host flaky\.example: temporary failure in name resolution \(the resolver did not answer; try again later\)$/,
    /no servers can be used, exiting: none of nowhere\.invalid, flaky\.example resolved$/,
  ])
})

t.test('a name that does not resolve is a warning; the others carry on', async (t) => {
  const r = await run([...FAST, '-q', 'flaky.example', '10.0.0.1'], { '10.0.0.1': { ahead: 0.1 } })
  t.equal(r.code, 0)
  t.match(r.stderr, [/Can't find host flaky\.example: temporary failure in name resolution/])
  t.equal(r.stderr.length, 1)
})

t.test('two servers that disagree: no majority, exit 1, the clock untouched, both named', async (t) => {
  const r = await run([...FAST, '10.0.0.1', '10.0.0.2'], { '10.0.0.1': { ahead: 2.5 }, '10.0.0.2': { ahead: 0 } })
  t.equal(r.code, 1)
  t.same(r.calls, [])
  t.equal(r.stderr.length, 1)
  t.match(r.stderr[0], /no majority agrees among 2 servers \(10\.0\.0\.1 \+2\.\d+ ±0\.0\d+, 10\.0\.0\.2 [+-]0\.0000\d+ ±0\.0\d+\); they disagree by 2\.\d+ s, clock left untouched$/)
})

t.test('the majority outvotes a lower-delay liar', async (t) => {
  const r = await run([...FAST, '10.0.0.1', '10.0.0.2', '10.0.0.3'], {
    '10.0.0.1': { ahead: 0.2 },
    '10.0.0.2': { ahead: 5 },
    '10.0.0.3': { ahead: 0.2 },
  })
  t.equal(r.code, 0)
  t.same(r.calls, ['slew 0.200000'])
})

t.test('usage errors exit 2 before any system access', async (t) => {
  let loaded = false
  const code = await main(['-p', '0'], {
    version: '0.1.0',
    pid: 1,
    stdout: () => {},
    stderr: () => {},
    localTime: () => new Date(),
    loadSystem: async () => {
      loaded = true
      throw new Error('must not load')
    },
  })
  t.equal(code, 2)
  t.equal(loaded, false)
})

t.test('--help and -v print and exit 0', async (t) => {
  const help = await run(['--help'], {})
  t.equal(help.code, 0)
  t.match(help.stdout[0], /--max-step/)
  const version = await run(['-v'], {})
  t.same(version.stdout, ['tsntpdate 0.1.0'])
  t.equal(version.code, 0)
})

const CHRONYD: RunningDaemon = {
  evidence: 'process',
  processes: [{ name: 'chronyd', pid: 812 }],
  description: 'chronyd (pid 812)',
}

t.test('a running time daemon: exit 5, one line naming it, the clock untouched', async (t) => {
  for (const [argv, method] of [
    [['-b'], 'step'],
    [['-B'], 'slew'],
    [[], 'slew'],
  ] as const) {
    const r = await run([...FAST, ...argv, '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } }, undefined, CHRONYD)
    t.equal(r.code, 5, `${argv.join(' ') || 'auto'}: exit 5`)
    t.same(r.calls, [], 'the clock untouched')
    t.same(r.daemonChecks, ['before any clock change'])
    t.same(r.stdout, [], 'no final line')
    t.same(r.stderr, [`25 Nov 02:33:22 tsntpdate[4242]: refusing to ${method} the clock while a time daemon runs: chronyd (pid 812); ` + 'clock left untouched (--force overrides)'])
  }
})

t.test('--force sets the clock anyway, without asking', async (t) => {
  const r = await run([...FAST, '--force', '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } }, undefined, CHRONYD)
  t.equal(r.code, 0)
  t.same(r.calls, ['slew 0.200000'])
  t.same(r.daemonChecks, [], 'not even looked for')
})

t.test('-q and -d are not stopped by a time daemon, and do not look for one', async (t) => {
  for (const mode of ['-q', '-d']) {
    const r = await run([...FAST, mode, '10.0.0.1'], { '10.0.0.1': { ahead: 3 } }, undefined, CHRONYD)
    t.equal(r.code, 0, `${mode}: exit 0`)
    t.same(r.calls, [])
    t.same(r.daemonChecks, [])
    t.match(r.stdout.at(-1), /step time server 10\.0\.0\.1 offset \+3\.000000 sec$/)
  }
})

t.test('--max-step wins over the daemon guard (exit 4 names the real limit; the hourly job reports it)', async (t) => {
  const r = await run([...FAST, '--max-step', '1', '10.0.0.1'], { '10.0.0.1': { ahead: -2 } }, undefined, CHRONYD)
  t.equal(r.code, 4)
  t.same(r.calls, [])
  t.match(r.stderr[0], /more than --max-step 1 s/)
})

t.test('with no daemon, the check is made once, before the clock is set', async (t) => {
  const r = await run([...FAST, '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } })
  t.equal(r.code, 0)
  t.same(r.daemonChecks, ['before any clock change'])
})

t.test('-s: the result at NOTICE and errors at ERR go to syslog, the terminal stays silent', async (t) => {
  const ok = await run([...FAST, '-s', '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } })
  t.equal(ok.code, 0)
  t.same(ok.calls, ['slew 0.200000'])
  t.same([...ok.stdout, ...ok.stderr], [])
  t.same(ok.logged, ['local 3.notice adjust time server 10.0.0.1 offset +0.200000 sec'])

  const failed = await run([...FAST, '-s', '--syslog-facility', 'local2', 'nowhere.invalid', '10.0.0.9'], {})
  t.equal(failed.code, 1)
  t.same([...failed.stdout, ...failed.stderr], [])
  t.match(failed.logged, [/^local 18\.err Can't find host nowhere\.invalid: /, 'local 18.err no server suitable for synchronization found'])

  const refused = await run([...FAST, '-s', '10.0.0.1'], { '10.0.0.1': { ahead: 2 } }, 'Operation not permitted')
  t.equal(refused.code, 4)
  t.same(refused.logged, ["local 3.err Can't set time of day: Operation not permitted"])
})

t.test('-s -q: the server lines stay on stdout (as classic ntpdate); -s -v logs the version', async (t) => {
  const r = await run([...FAST, '-s', '-q', '-v', '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } })
  t.equal(r.code, 0)
  t.same(r.stdout, ['server 10.0.0.1, stratum 2, offset +0.200000, delay 0.00020'])
  t.same(r.logged, ['local 3.notice tsntpdate 0.1.0', 'local 3.notice adjust time server 10.0.0.1 offset +0.200000 sec'])
})

t.test('-s: a usage error still goes to stderr, and no syslog is opened', async (t) => {
  const r = await run(['-s', '-p', '0', '10.0.0.1'], {})
  t.equal(r.code, 2)
  t.match(r.stderr, [/-p: '0'/])
  t.same(r.logged, [])
})

t.test('--syslog-server: a copy at the same severities, the terminal unchanged', async (t) => {
  const r = await run([...FAST, '--syslog-server', 'udp://10.9.9.9', '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } })
  t.equal(r.code, 0)
  t.match(r.stdout, [/adjust time server 10\.0\.0\.1 offset \+0\.200000 sec$/])
  t.same(r.logged, ['remote 3.notice adjust time server 10.0.0.1 offset +0.200000 sec'])
})

t.test('a set without CAP_SYS_TIME ends at once with exit 4 and a hint, before any query; -q needs no right', async (t) => {
  const r = await run([...FAST, '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } }, undefined, undefined, false)
  t.equal(r.code, 4)
  t.same(r.sent, [], 'no request went out')
  t.same(r.calls, [])
  t.match(r.stderr, [/no permission to set the clock \(CAP_SYS_TIME\): run as root, or use -q to query only; clock left untouched$/])
  const q = await run([...FAST, '-q', '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } }, undefined, undefined, false)
  t.equal(q.code, 0)
  const check = await run([...FAST, '--max-offset', '1', '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } }, undefined, undefined, false)
  t.equal(check.code, 0, '--max-offset is a query')
})

t.test('-p counts answers: a live server gets -p requests, a dead one no more than -p', async (t) => {
  const r = await run([...FAST, '-q', '-p', '4', '10.0.0.1', '10.0.0.2'], { '10.0.0.1': { ahead: 0 } })
  t.equal(r.sent.filter((a) => a === '10.0.0.1').length, 4)
  t.equal(r.sent.filter((a) => a === '10.0.0.2').length, 4)
})

t.test('-k without -a: one warning that nothing is authenticated; the run goes on as classic ntpdate does (issue 22, point 16)', async (t) => {
  const r = await run([...FAST, '-q', '-k', '/etc/ntp.keys', '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } })
  t.equal(r.code, 0)
  t.equal(r.stderr.length, 1, 'one line')
  t.match(r.stderr[0], /-k \/etc\/ntp\.keys without -a KEYID: nothing is authenticated$/)
  const quiet = await run([...FAST, '-q', '10.0.0.1'], { '10.0.0.1': { ahead: 0.2 } })
  t.same(quiet.stderr, [], 'no -k: nothing said')
})
