/**
 * The running-time-daemon guard against real processes: copies of /bin/sleep started as `ntpd`
 * and `chronyd` (the kernel names a process after the file it ran), a `chronyd … -x` (node under
 * that name: sleep would reject -x), and the real `chronyd -x` server queried.
 *
 * While such a process runs, every tsntpdate on this machine that means to set the clock refuses,
 * so this file holds test/helpers/clock-lock.ts, as set-clock.test.ts does, and each pretend
 * daemon lives only for its subtest.
 *
 * Clock safety as in set-clock.test.ts: before any run that could set the clock, the true server
 * must measure below 1 ms, the run carries --max-step 0.001, and CLOCK_REALTIME − CLOCK_MONOTONIC
 * is watched around it. Only the --force run really sets the clock (by microseconds).
 *
 * Address block of this file: 127.0.9.x, ports 12900-12999.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { findRunningTimeDaemon, kernelClock, readProcesses } from '../../src/io/host/running-daemons.js'
import { describeStatus, findTimeDaemon, kernelKeptSynchronised, ALL_VISIBLE, type KernelClock } from '../../src/host/time-daemon.js'
import { startChronyd } from '../helpers/chronyd.js'
import { holdClockLock } from '../helpers/clock-lock.js'
import { lines, micros, parseFinalLine, parsePrefixedLine, PREFIXED_LINE, runCli, type CliResult, describeRun } from '../helpers/cli.js'
import { runWatched } from '../helpers/clock-watch.js'

const BEST_OF_4 = ['-p', '4', '--gap', '0.05']
const SAFE_OFFSET = 0.001
const MAX_CLOCK_CHANGE = 0.002
/** uid 0 without CAP_SYS_TIME: a set attempt fails with EPERM, so exit 4 shows the guard let it through */

// ---------------------------------------------------------------------------------------------
// The reader, against a made-up /proc (any user)

/** A /proc tree with the given processes, root's: stat, status, and cmdline unless argv is null. */
function fakeProc(t: Test, processes: { pid: number; comm: string; state?: string; argv: string[] | null }[]): string {
  const root = mkdtempSync(join(tmpdir(), 'tsntpdate-proc-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  for (const p of processes) {
    const dir = join(root, String(p.pid))
    mkdirSync(dir)
    writeFileSync(join(dir, 'stat'), `${p.pid} (${p.comm}) ${p.state ?? 'S'} 1 ${p.pid} ${p.pid} 0 -1 4194560 0 0\n`)
    writeFileSync(join(dir, 'status'), `Name:\t${p.comm}\nUid:\t0\t0\t0\t0\n`) // root's
    if (p.argv) writeFileSync(join(dir, 'cmdline'), p.argv.map((a) => a + '\0').join(''))
  }
  mkdirSync(join(root, 'sys'))
  writeFileSync(join(root, 'uptime'), '1.00 1.00\n')
  return root
}

const IDLE: KernelClock = { status: 0x0040, maxErrorMicros: 16_000_000 }

t.test('reader: daemons from a /proc tree, argv read from cmdline', async (t) => {
  const root = fakeProc(t, [
    { pid: 1, comm: 'systemd', argv: ['/sbin/init'] },
    { pid: 50, comm: 'chronyd', argv: ['/usr/sbin/chronyd', '-x', '-d', '-f', '/tmp/a b/chronyd.conf'] },
    { pid: 60, comm: 'ntpd', argv: ['/usr/sbin/ntpd', '-p', '/run/ntpd.pid', '-g'] },
    { pid: 61, comm: 'ntpd', state: 'Z', argv: [] },
    { pid: 70, comm: 'odd) (name', argv: ['odd'] },
  ])
  const processes = readProcesses(root)
  t.same(
    processes.map((p) => [p.pid, p.comm, p.state]).sort((a, b) => Number(a[0]) - Number(b[0])),
    [
      [1, 'systemd', 'S'],
      [50, 'chronyd', 'S'],
      [60, 'ntpd', 'S'],
      [61, 'ntpd', 'Z'],
      [70, 'odd) (name', 'S'],
    ],
    'every numeric entry; a name with parentheses read up to the last one',
  )
  t.same(processes.find((p) => p.pid === 50)?.argv, ['/usr/sbin/chronyd', '-x', '-d', '-f', '/tmp/a b/chronyd.conf'], 'argv split at NULs')
  t.equal(processes.find((p) => p.pid === 1)?.argv, undefined, 'argv read only for time daemons')
  t.equal(findRunningTimeDaemon({ procRoot: root, readKernel: () => IDLE })?.description, 'ntpd (pid 60)')
})

t.test('reader: an unreadable cmdline counts; no /proc leaves the kernel to decide', async (t) => {
  const root = fakeProc(t, [{ pid: 50, comm: 'chronyd', argv: null }])
  t.equal(findRunningTimeDaemon({ procRoot: root, readKernel: () => IDLE })?.description, 'chronyd (pid 50)')
  const nowhere = join(root, 'missing')
  t.same(readProcesses(nowhere), [])
  t.equal(findRunningTimeDaemon({ procRoot: nowhere, readKernel: () => IDLE }), undefined)
  const keptKernel = () => ({ status: 0x2001, maxErrorMicros: 1_000 })
  const kept = findRunningTimeDaemon({ procRoot: nowhere, readKernel: keptKernel, visibility: () => ({ hiddenBecause: 'in a docker container' }) })
  t.equal(kept?.evidence, 'kernel', 'in a container, the kernel word counts')
})

t.test("the seeds' procedure (stop the daemon, run ntpdate): on a host a synchronised kernel with no daemon process lets the set go ahead (issue 22, point 1)", async (t) => {
  // what ntpd or chronyd (rtcsync) leaves for ~9 h once stopped: synchronised, a small max error
  const root = fakeProc(t, [{ pid: 1, comm: 'systemd', argv: ['/sbin/init'] }])
  const stoppedDaemonLeft = () => ({ status: 0x2001, maxErrorMicros: 12_000 })
  t.equal(findRunningTimeDaemon({ procRoot: root, readKernel: stoppedDaemonLeft, visibility: () => ALL_VISIBLE }), undefined, 'on a host: nobody keeps the clock')
  t.equal(findRunningTimeDaemon({ procRoot: root, readKernel: stoppedDaemonLeft, visibility: () => ({ hiddenBecause: 'in a lxc container' }) })?.evidence, 'kernel', 'in a container: maybe the host')
})

// ---------------------------------------------------------------------------------------------
// Real processes and the CLI (root)

if (process.getuid?.() !== 0) {
  if (process.env['CI'] === undefined) t.test('the guard against real processes', { skip: 'needs root (real clock sets and setpriv); runs in CI' }, () => {})
  else t.fail('the time-daemon guard tests need root, and CI is set: run them as root')
} else {
  // in a subtest of its own: tap ends the file's root test once no subtest is pending
  t.test('the guard against real processes', realProcessTests)
}

function expectClockKept(t: Test, change: number, what: string) {
  t.ok(Math.abs(change) < MAX_CLOCK_CHANGE, `${what}: the realtime clock moved ${micros(change)} (< ${MAX_CLOCK_CHANGE * 1e3} ms)`)
}

async function realProcessTests(t: Test) {
  await holdClockLock(t)
  const truth = await startChronyd(t, { address: '127.0.9.1', port: 12901 })
  // in a directory only root can write (/run): a stand-in in /tmp would not count (see below)
  const bin = mkdtempSync('/run/tsntpdate-daemons-')
  t.teardown(() => rmSync(bin, { recursive: true, force: true }))
  for (const name of ['ntpd', 'chronyd']) copyFileSync('/bin/sleep', join(bin, name))
  mkdirSync(join(bin, 'x'))
  symlinkSync(process.execPath, join(bin, 'x', 'chronyd')) // comm is the name exec'd: 'chronyd'
  writeFileSync(join(bin, 'x', 'idle.cjs'), 'setTimeout(() => {}, 300_000)\n')

  const started = new Set<ChildProcess>()
  process.on('exit', () => started.forEach((child) => child.kill('SIGKILL')))

  /** Starts a pretend daemon for the rest of subtest `t`; resolves once the kernel knows it by `name`. */
  async function pretend(t: Test, name: string, path: string, args: string[]): Promise<number> {
    const child = spawn(path, args, { stdio: 'ignore' })
    started.add(child)
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    t.teardown(async () => {
      child.kill('SIGKILL')
      await exited
      started.delete(child)
    })
    await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject))
    const pid = child.pid!
    // a wrapper (setpriv) execs the stand-in a moment after the spawn
    const comm = () => readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
    for (let tries = 0; comm() !== name && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 10))
    t.equal(comm(), name, `pid ${pid} runs as ${name}`)
    return pid
  }

  /** The true server measures below 1 ms right now (else nothing that could set the clock runs). */
  async function safeToSet(t: Test): Promise<boolean> {
    const r = await runCli(['-q', ...BEST_OF_4, truth.spec])
    const final = r.code === 0 ? parseFinalLine(lines(r.stdout).at(-1) ?? '') : undefined
    if (!final) {
      t.fail('measuring the true server failed', { output: describeRun(r) })
      return false
    }
    const safe = Math.abs(final.offset) < SAFE_OFFSET
    t.ok(safe, `safety gate: the true server measures ${micros(final.offset)}, below 1 ms${safe ? '' : ' — NOT going on'}`)
    return safe
  }

  function expectRefusal(t: Test, r: CliResult & { clockChange: number }, method: 'step' | 'slew', named: string) {
    t.equal(r.code, 5, 'exit 5', { output: describeRun(r) })
    t.equal(r.stdout, '', 'no final line: nothing was set')
    const errors = lines(r.stderr)
    t.comment(`stderr: ${errors.join(' | ')}`)
    t.equal(errors.length, 1, 'one stderr line')
    t.match(errors[0] ?? '', PREFIXED_LINE, "in the 'DATE tsntpdate[PID]: message' form")
    const parsed = parsePrefixedLine(errors[0] ?? '')
    t.equal(parsed?.pid, r.pid, 'with the pid of the run')
    t.equal(parsed?.message, `refusing to ${method} the clock while a time daemon runs: ${named}; clock left untouched (--force overrides)`)
    expectClockKept(t, r.clockChange, `${method} refused`)
  }

  t.test("this machine's kernel clock status (adjtimex): nobody keeps it", async (t) => {
    const kernel = kernelClock()
    if (!kernel) return t.fail('adjtimex could not be read')
    t.comment(`adjtimex: status ${describeStatus(kernel.status)}, maxerror ${kernel.maxErrorMicros} µs`)
    t.ok(kernel.maxErrorMicros >= 0 && kernel.maxErrorMicros <= 16_000_000, 'maxerror within the kernel limit (16 s)')
    // The tests below need a clock nobody keeps; say so plainly when that is not the case.
    t.notOk(kernelKeptSynchronised(kernel), 'the kernel does not report its clock kept synchronised (else every set here refuses)')
  })

  t.test('the real chronyd -x server does not count', async (t) => {
    const server = readProcesses('/proc').find((p) => p.pid === truth.pid)
    t.equal(server?.comm, 'chronyd', `the server (pid ${truth.pid}) is seen as chronyd`)
    t.ok(server?.argv?.includes('-x'), 'with -x in its argv')
    t.equal(findRunningTimeDaemon(), undefined, 'no time daemon on this machine now')
  })

  t.test('a running ntpd: -b and -B refuse with exit 5, naming it; the clock untouched', async (t) => {
    const pid = await pretend(t, 'ntpd', join(bin, 'ntpd'), ['300'])
    t.equal(findRunningTimeDaemon()?.description, `ntpd (pid ${pid})`, 'the reader finds it')
    for (const [flag, method] of [
      ['-b', 'step'],
      ['-B', 'slew'],
    ] as const) {
      if (!(await safeToSet(t))) return
      const r = await runWatched([flag, ...BEST_OF_4, '--max-step', '0.001', truth.spec])
      expectRefusal(t, r, method, `ntpd (pid ${pid})`)
    }
  })

  t.test(
    "an ordinary user's ntpd, a system account's (www-data) through a link to a root-owned program, or root's run from /tmp never stops a set (issue 9, finding 5; issue 22, point 2)",
    async (t) => {
      const scratch = mkdtempSync(join(tmpdir(), 'tsntpdate-user-daemon-'))
      t.teardown(() => rmSync(scratch, { recursive: true, force: true }))
      chmodSync(scratch, 0o755)
      copyFileSync('/bin/sleep', join(scratch, 'ntpd'))
      chmodSync(join(scratch, 'ntpd'), 0o755)
      mkdirSync(join(scratch, 'link'), { mode: 0o755 })
      symlinkSync('/bin/sleep', join(scratch, 'link', 'ntpd')) // comm 'ntpd', exe the root-owned /usr/bin/sleep
      const byNobody = await pretend(t, 'ntpd', 'setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', join(scratch, 'ntpd'), '300'])
      const byWwwData = await pretend(t, 'ntpd', 'setpriv', ['--reuid=www-data', '--regid=www-data', '--clear-groups', join(scratch, 'link', 'ntpd'), '300'])
      const byRootFromTmp = await pretend(t, 'ntpd', join(scratch, 'ntpd'), ['300'])
      const seen = readProcesses('/proc').filter((p) => p.pid === byNobody || p.pid === byRootFromTmp || p.pid === byWwwData)
      t.same(seen.find((p) => p.pid === byNobody)?.uid, 65534, "nobody's uid read from /proc")
      t.same(seen.find((p) => p.pid === byWwwData)?.account, 'www-data', "www-data's account name read from /etc/passwd")
      t.equal(seen.find((p) => p.pid === byWwwData)?.executable?.userWritable, false, 'its program is root-owned (sleep)')
      t.equal(seen.find((p) => p.pid === byRootFromTmp)?.executable?.userWritable, true, '/tmp is a place users can write')
      t.equal(findRunningTimeDaemon(), undefined, 'none counts as a time daemon')
      if (!(await safeToSet(t))) return
      // A real step by the measured error (below 1 ms, --max-step 0.001): exit 0, not 5, shows the
      // guard did not stop it.
      const r = await runWatched(['-b', ...BEST_OF_4, '--max-step', '0.001', truth.spec])
      t.equal(r.code, 0, 'exit 0, not 5', { output: describeRun(r) })
      expectClockKept(t, r.clockChange, 'step by the measured error')
    },
  )

  t.test('a running ntpd: -q and -d still exit 0 with the final line', async (t) => {
    await pretend(t, 'ntpd', join(bin, 'ntpd'), ['300'])
    for (const mode of ['-q', '-d']) {
      const r = await runWatched([mode, '-b', ...BEST_OF_4, '--max-step', '0.001', truth.spec])
      t.equal(r.code, 0, `${mode}: exit 0`, { output: describeRun(r) })
      t.equal(r.stderr, '', 'nothing on stderr')
      const final = parseFinalLine(lines(r.stdout).at(-1) ?? '')
      t.equal(final?.verb, 'step', 'the final line: step time server')
      t.equal(final?.server, truth.spec)
      expectClockKept(t, r.clockChange, mode)
    }
  })

  t.test('a chronyd without -x: exit 5, naming it', async (t) => {
    const keeper = await pretend(t, 'chronyd', join(bin, 'chronyd'), ['300'])
    if (!(await safeToSet(t))) return
    expectRefusal(t, await runWatched(['-b', ...BEST_OF_4, '--max-step', '0.001', truth.spec]), 'step', `chronyd (pid ${keeper})`)
  })

  t.test('chronyd -x beside the server: the guard lets the set through', async (t) => {
    const pid = await pretend(t, 'chronyd', join(bin, 'x', 'chronyd'), [join(bin, 'x', 'idle.cjs'), '-d', '-x'])
    const seen = readProcesses('/proc').find((p) => p.pid === pid)
    t.same(seen?.argv?.slice(1), [join(bin, 'x', 'idle.cjs'), '-d', '-x'], 'its argv as started')
    t.equal(findTimeDaemon(seen ? [seen] : [], undefined, ALL_VISIBLE), undefined, 'not counted')
    if (!(await safeToSet(t))) return
    // A real step by the measured error (below 1 ms, --max-step 0.001): exit 0, not 5, shows the
    // guard did not stop it.
    const r = await runWatched(['-b', ...BEST_OF_4, '--max-step', '0.001', truth.spec])
    t.equal(r.code, 0, 'exit 0, not 5', { output: describeRun(r) })
    expectClockKept(t, r.clockChange, 'step by the measured error')
  })

  t.test('--force with ntpd running: a real step by the measured error', async (t) => {
    const pid = await pretend(t, 'ntpd', join(bin, 'ntpd'), ['300'])
    t.equal(findRunningTimeDaemon()?.description, `ntpd (pid ${pid})`, 'ntpd is running')
    if (!(await safeToSet(t))) return
    const r = await runWatched(['-b', '--force', ...BEST_OF_4, '--max-step', '0.001', truth.spec])
    t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
    t.equal(r.stderr, '', 'nothing on stderr')
    const out = lines(r.stdout)
    t.equal(out.length, 1, 'only the final line')
    const final = parseFinalLine(out[0] ?? '')
    t.equal(final?.verb, 'step', 'step time server')
    t.equal(final?.server, truth.spec)
    t.ok(Math.abs(final?.offset ?? 1) <= 0.001, `by ${micros(final?.offset ?? NaN)}`)
    expectClockKept(t, r.clockChange, '--force step')
    t.comment(`stepped by ${micros(final?.offset ?? NaN)}; realtime − monotonic changed by ${micros(r.clockChange)}`)
  })
}
