/**
 * cron/ntpdate-hourly, run for real with sh: against a loopback chronyd with the real tsntpdate
 * (always with NTPOPTIONS="-q": these runs never set the clock), and with stub commands that
 * record their arguments where the test needs to see what the script ran (tsntpdate, hwclock,
 * sleep). Every path the script uses comes from the environment, in a temp dir per test.
 *
 * Address block of this file: 127.0.12.x.
 */
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { chooseDefaultServers } from '../../src/default-servers.js'
import { DEFAULTS_FILE } from '../../src/io/default-server-files.js'
import { deadEndpoint, startChronyd } from '../helpers/chronyd.js'
import { BIN, cleanEnv, parseQueryOutput, REPO, runCli, runCommand } from '../helpers/cli.js'
import { devLogUnavailable, startRsyslogd } from '../helpers/rsyslogd.js'

const SCRIPT = join(REPO, 'cron', 'ntpdate-hourly')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

interface Sandbox {
  dir: string
  env: NodeJS.ProcessEnv
  /** writes the defaults file the script reads */
  defaults(text: string): void
  stepTickers(text: string): void
  /** a stub command that appends its argv (one invocation per line, JSON) to its own log */
  stub(name: string, exitCode?: number, says?: string): string
  /** the invocations of a stub so far */
  calls(name: string): string[][]
  run(options?: { prefix?: readonly string[]; env?: NodeJS.ProcessEnv }): Promise<Run>
}

function sandbox(t: Test): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-cron-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    // bin/tsntpdate starts with `#!/usr/bin/env node`: the node running these tests
    PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    TSNTPDATE_DEFAULTS_FILE: join(dir, 'default'),
    TSNTPDATE_STEP_TICKERS: join(dir, 'step-tickers'),
    TSNTPDATE_LOCK: join(dir, 'lock'),
    TSNTPDATE_BIN: BIN,
    // never the real RTC
    TSNTPDATE_HWCLOCK: join(dir, 'hwclock-must-not-run'),
  }
  const box: Sandbox = {
    dir,
    env,
    defaults: (text) => writeFileSync(join(dir, 'default'), text),
    stepTickers: (text) => writeFileSync(join(dir, 'step-tickers'), text),
    stub(name, exitCode = 0, says) {
      const path = join(dir, name)
      const log = join(dir, `${name}.calls`)
      writeFileSync(
        path,
        [
          '#!/bin/sh',
          // one JSON array of strings per call (the tests' arguments need no escaping beyond quotes)
          `sep=; line='['; for a; do line="$line$sep\\"$a\\""; sep=,; done; printf '%s]\\n' "$line" >>'${log}'`,
          ...(says === undefined ? [] : [`echo '${says}'; echo '${says} (stderr)' >&2`]),
          `exit ${exitCode}`,
          '',
        ].join('\n'),
      )
      chmodSync(path, 0o755)
      return path
    },
    calls(name) {
      const log = join(dir, `${name}.calls`)
      if (!existsSync(log)) return []
      return readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as string[])
    },
    run: (options = {}) => runScript({ ...env, ...options.env }, options.prefix ?? []),
  }
  return box
}

function runScript(env: NodeJS.ProcessEnv, prefix: readonly string[]): Promise<Run> {
  return runCommand([...prefix, 'sh', SCRIPT], { env })
}

function show(r: Run): string {
  return `exit ${r.code}\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`
}

t.test('shellcheck: the script and the sample defaults file are clean', async (t) => {
  const script = await runTool('shellcheck', ['-s', 'sh', SCRIPT])
  t.equal(script.code, 0, 'shellcheck cron/ntpdate-hourly', { output: show(script) })
  t.equal(script.stdout + script.stderr, '', 'no findings')
  // sourced by the script: its variables are used there, not in the file itself
  const sample = await runTool('shellcheck', ['-s', 'sh', '-e', 'SC2034', join(REPO, 'cron', 'tsntpdate.default')])
  t.equal(sample.code, 0, 'shellcheck cron/tsntpdate.default', { output: show(sample) })
})

t.test('the sample defaults file, sourced by sh, sets what the script reads', async (t) => {
  const r = await runTool('sh', ['-c', '. "$1"; printf "%s|%s|%s|%s" "$NTPSERVERS" "$NTPOPTIONS" "$SPLAY" "$SYNC_HWCLOCK"', 'sh', join(REPO, 'cron', 'tsntpdate.default')])
  t.equal(r.stdout, '||0|no')
})

t.test('with the real tsntpdate against a loopback chronyd', async (t) => {
  const chronyd = await startChronyd(t, { address: '127.0.12.1', port: 12211 })

  t.test('success: exit 0, nothing on stdout or stderr (cron mails nothing)', async (t) => {
    const box = sandbox(t)
    box.defaults(`NTPSERVERS="${chronyd.spec}"\nNTPOPTIONS="-q"\n`)
    const r = await box.run()
    t.equal(r.code, 0, 'exit 0', { output: show(r) })
    t.equal(r.stdout, '', 'stdout empty')
    t.equal(r.stderr, '', 'stderr empty')
  })

  t.test('failure (the server is dead): tsntpdate\'s exit status, and a line saying so', async (t) => {
    const box = sandbox(t)
    const dead = await deadEndpoint('127.0.12.2')
    box.defaults(`NTPSERVERS="${dead.spec}"\nNTPOPTIONS="-q -t 0.3"\n`)
    const r = await box.run()
    t.equal(r.code, 1, 'exit 1: no suitable server', { output: show(r) })
    t.equal(r.stdout, '', 'stdout empty')
    t.match(r.stderr, new RegExp(`^ntpdate-hourly: .*tsntpdate -s -q -t 0\\.3 ${dead.spec.replace(/\./g, '\\.')} failed with exit status 1; details in syslog`, 'm'))
  })

  t.test('SYNC_HWCLOCK=yes: hwclock --systohc after a successful run', async (t) => {
    const box = sandbox(t)
    box.defaults(`NTPSERVERS="${chronyd.spec}"\nNTPOPTIONS="-q"\nSYNC_HWCLOCK=yes\n`)
    const r = await box.run({ env: { TSNTPDATE_HWCLOCK: box.stub('hwclock') } })
    t.equal(r.code, 0, 'exit 0', { output: show(r) })
    t.equal(r.stdout + r.stderr, '', 'silent')
    t.same(box.calls('hwclock'), [['--systohc']])
  })

  t.test('SYNC_HWCLOCK=yes, the run fails: hwclock is not called', async (t) => {
    const box = sandbox(t)
    const dead = await deadEndpoint('127.0.12.2')
    box.defaults(`NTPSERVERS="${dead.spec}"\nNTPOPTIONS="-q -t 0.3"\nSYNC_HWCLOCK=yes\n`)
    const r = await box.run({ env: { TSNTPDATE_HWCLOCK: box.stub('hwclock') } })
    t.equal(r.code, 1, 'exit 1', { output: show(r) })
    t.same(box.calls('hwclock'), [])
  })

  t.test('tsntpdate itself, given no server, reads the same files (the environment names them)', async (t) => {
    const box = sandbox(t)
    box.defaults(`NTPSERVERS="${chronyd.spec}"\n`)
    const fromDefaults = await runCli(['-q'], { env: box.env })
    t.equal(fromDefaults.code, 0, 'NTPSERVERS: exit 0', { output: show(fromDefaults) })
    t.same(parseQueryOutput(fromDefaults.stdout).servers.map((s) => s.server), [chronyd.spec], 'NTPSERVERS: the chronyd was queried')

    box.defaults('NTPSERVERS=""\n')
    box.stepTickers(`# the one\n${chronyd.spec}\n`)
    const fromTickers = await runCli(['-q'], { env: box.env })
    t.equal(fromTickers.code, 0, 'step-tickers: exit 0', { output: show(fromTickers) })
    t.same(parseQueryOutput(fromTickers.stdout).servers.map((s) => s.server), [chronyd.spec], 'step-tickers: the chronyd was queried')

    const version = await runCli(['-v'], { env: box.env })
    t.equal(version.code, 0)
    t.equal(version.stdout.trim(), `tsntpdate ${JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version}`, '-v alone: the version only')
  })

  const why = devLogUnavailable()
  const skip = why && process.env['CI'] === undefined ? { skip: `${why}; runs in CI (root)` } : {}
  t.test('the syslog line of the hourly run arrives (real rsyslogd)', skip, async (t) => {
    if (why) return void t.fail(`${why}, and CI is set: run the tests as root`)
    const rs = await startRsyslogd(t, { address: '127.0.12.3' })
    const box = sandbox(t)
    box.defaults(`NTPSERVERS="${chronyd.spec}"\nNTPOPTIONS="-q"\n`)
    const r = await box.run({ prefix: rs.withDevLog })
    t.equal(r.code, 0, 'exit 0', { output: show(r) })
    t.equal(r.stdout + r.stderr, '', 'silent on the terminal')
    const entry = await rs.waitFor((e) => e.app === 'tsntpdate' && e.msg.includes(`time server ${chronyd.spec} offset`))
    t.comment(entry.line)
    t.match(entry.msg, new RegExp(`^adjust time server ${chronyd.spec.replace(/\./g, '\\.')} offset [+-]\\d+\\.\\d{6} sec$`))
    t.equal(entry.facility, 'daemon')
    t.equal(entry.severity, 'notice')
  })
})

t.test('the lock: while another run holds it, a run exits 0 silently and runs nothing', async (t) => {
  const box = sandbox(t)
  const tsntpdate = box.stub('tsntpdate')
  const holder = spawn('flock', ['-n', join(box.dir, 'lock'), 'sh', '-c', 'echo held; exec sleep 60'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  })
  const stopHolder = () => {
    try {
      process.kill(-holder.pid!, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  t.teardown(stopHolder)
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve())
    holder.once('close', (code) => reject(new Error(`flock exited ${code} before holding the lock`)))
  })
  const r = await box.run({ env: { TSNTPDATE_BIN: tsntpdate } })
  t.equal(r.code, 0, 'exit 0', { output: show(r) })
  t.equal(r.stdout + r.stderr, '', 'silent')
  t.same(box.calls('tsntpdate'), [], 'tsntpdate did not run')

  const closed = new Promise((resolve) => holder.once('close', resolve))
  stopHolder()
  await closed
  const after = await box.run({ env: { TSNTPDATE_BIN: tsntpdate } })
  t.equal(after.code, 0)
  t.equal(box.calls('tsntpdate').length, 1, 'once the lock is free, the next run runs tsntpdate')
})

t.test('SPLAY: the random delay is a whole number of seconds in 0..SPLAY', async (t) => {
  const box = sandbox(t)
  const env = { TSNTPDATE_BIN: box.stub('tsntpdate'), TSNTPDATE_SLEEP: box.stub('sleep') }
  box.defaults('NTPSERVERS=x.example\nSPLAY=2\n')
  const runs = 24
  for (let i = 0; i < runs; i++) {
    const r = await box.run({ env })
    if (r.code !== 0 || r.stdout + r.stderr !== '') t.fail('run failed', { output: show(r) })
  }
  const delays = box.calls('sleep').map((args) => {
    t.equal(args.length, 1, 'sleep gets one argument')
    return args[0]!
  })
  t.equal(delays.length, runs, 'one sleep per run')
  t.ok(delays.every((d) => /^[0-2]$/.test(d)), `every delay is 0, 1 or 2: ${delays.join(' ')}`)
  // all 24 equal by chance: 3 × 3^-24 ≈ 1e-11
  t.ok(new Set(delays).size > 1, 'the delays vary')
  t.equal(box.calls('tsntpdate').length, runs, 'tsntpdate ran after each sleep')
})

t.test('SPLAY with a leading zero is decimal, not octal (sh would reject 09)', async (t) => {
  const box = sandbox(t)
  const env = { TSNTPDATE_BIN: box.stub('tsntpdate'), TSNTPDATE_SLEEP: box.stub('sleep') }
  box.defaults('NTPSERVERS=x.example\nSPLAY=09\n')
  for (let i = 0; i < 5; i++) t.equal((await box.run({ env })).code, 0)
  const delays = box.calls('sleep').map((args) => Number(args[0]))
  t.equal(delays.length, 5)
  t.ok(delays.every((d) => Number.isInteger(d) && d >= 0 && d <= 9), `within 0..9: ${delays.join(' ')}`)
})

t.test('SPLAY=0 (the default) and the real sleep', async (t) => {
  const box = sandbox(t)
  const tsntpdate = box.stub('tsntpdate')
  box.defaults('NTPSERVERS=x.example\n')
  t.equal((await box.run({ env: { TSNTPDATE_BIN: tsntpdate, TSNTPDATE_SLEEP: box.stub('sleep') } })).code, 0)
  t.same(box.calls('sleep'), [], 'no SPLAY: no sleep at all')
  box.defaults('NTPSERVERS=x.example\nSPLAY=1\n')
  const r = await box.run({ env: { TSNTPDATE_BIN: tsntpdate } })
  t.equal(r.code, 0, 'SPLAY=1 with the real sleep(1): exit 0', { output: show(r) })
  t.equal(box.calls('tsntpdate').length, 2)
})

t.test('bad settings: exit 2 and a line naming the setting', async (t) => {
  for (const [setting, pattern] of [
    ['SPLAY=5s', /^ntpdate-hourly: SPLAY='5s' in .*default is not a whole number of seconds$/],
    ['SPLAY=-1', /SPLAY='-1'/],
    ['SPLAY=""', /SPLAY=''/],
    ['SPLAY=9999999999', /SPLAY='9999999999' in .* is too large/],
    ['SYNC_HWCLOCK=true', /^ntpdate-hourly: SYNC_HWCLOCK='true' in .*default: say yes or no$/],
  ] as const) {
    const box = sandbox(t)
    box.defaults(`${setting}\n`)
    const r = await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate') } })
    t.equal(r.code, 2, `${setting}: exit 2`)
    t.match(r.stderr.trim(), pattern, setting)
    t.same(box.calls('tsntpdate'), [], `${setting}: tsntpdate did not run`)
  }
})

t.test('SYNC_HWCLOCK, with a stub tsntpdate', async (t) => {
  for (const [tsntpdateExit, sync, expected] of [
    [0, 'yes', [['--systohc']]],
    [4, 'yes', []],
    [0, 'no', []],
  ] as const) {
    const box = sandbox(t)
    box.defaults(`NTPSERVERS=x.example\nSYNC_HWCLOCK=${sync}\n`)
    const r = await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate', tsntpdateExit), TSNTPDATE_HWCLOCK: box.stub('hwclock') } })
    t.equal(r.code, tsntpdateExit, `tsntpdate exit ${tsntpdateExit}, SYNC_HWCLOCK=${sync}: the script exits ${tsntpdateExit}`)
    t.equal(r.stdout === '' && r.stderr === '', tsntpdateExit === 0, tsntpdateExit === 0 ? 'silent' : 'says why')
    t.same(box.calls('hwclock'), expected, `hwclock calls: ${JSON.stringify(expected)}`)
  }
  const box = sandbox(t)
  box.defaults('NTPSERVERS=x.example\nSYNC_HWCLOCK=yes\n')
  const r = await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate'), TSNTPDATE_HWCLOCK: box.stub('hwclock', 3) } })
  t.equal(r.code, 3, 'hwclock fails: its exit status')
  t.match(r.stderr, /^ntpdate-hourly: .*hwclock --systohc failed with exit status 3$/m)
})

t.test("tsntpdate's own output: passed on when it fails, dropped when it succeeds", async (t) => {
  const box = sandbox(t)
  box.defaults('NTPSERVERS=x.example\n')
  const failed = await box.run({ env: { TSNTPDATE_BIN: box.stub('failing', 2, 'usage: tsntpdate …') } })
  t.equal(failed.code, 2)
  t.equal(failed.stdout, '', 'nothing on stdout')
  t.same(failed.stderr.split('\n').slice(0, 2).sort(), ['usage: tsntpdate …', 'usage: tsntpdate … (stderr)'], 'both of its streams, on stderr')
  t.match(failed.stderr, /^ntpdate-hourly: .*failing -s x\.example failed with exit status 2;/m)
  const ok = await box.run({ env: { TSNTPDATE_BIN: box.stub('chatty', 0, 'a warning') } })
  t.equal(ok.code, 0)
  t.equal(ok.stdout + ok.stderr, '', 'exit 0: silent')
})

t.test('a time daemon keeps the clock (tsntpdate exits 5): exit 0, no mail, no hwclock', async (t) => {
  const box = sandbox(t)
  box.defaults('NTPSERVERS=x.example\nSYNC_HWCLOCK=yes\n')
  const r = await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate', 5), TSNTPDATE_HWCLOCK: box.stub('hwclock') } })
  t.equal(r.code, 0, 'exit 0', { output: show(r) })
  t.equal(r.stdout + r.stderr, '', 'silent')
  t.equal(box.calls('tsntpdate').length, 1, 'tsntpdate ran')
  t.same(box.calls('hwclock'), [], 'the clock was not set: hwclock not called')
})

t.test('the server list: NTPSERVERS, then step-tickers, then pool.ntp.org (tsntpdate argv)', async (t) => {
  const cases: { name: string; defaults?: string; stepTickers?: string; options?: string[]; servers: string[] }[] = [
    { name: 'NTPSERVERS', defaults: 'NTPSERVERS="a.example  b.example:11123"\n', stepTickers: 'tick.example\n', servers: ['a.example', 'b.example:11123'] },
    { name: 'NTPOPTIONS split into words, not globbed', defaults: 'NTPSERVERS=a.example\nNTPOPTIONS="-p 2  -t 1 *"\n', options: ['-p', '2', '-t', '1', '*'], servers: ['a.example'] },
    { name: 'NTPSERVERS empty: step-tickers', defaults: 'NTPSERVERS=""\n', stepTickers: '# ours\ntick1.example # near\n\ntick2.example tick3.example\n', servers: ['tick1.example', 'tick2.example', 'tick3.example'] },
    { name: 'no defaults file: step-tickers', stepTickers: 'tick.example\n', servers: ['tick.example'] },
    { name: 'step-tickers only comments: pool.ntp.org', defaults: 'NTPSERVERS=" "\n', stepTickers: '# none yet\n', servers: ['pool.ntp.org'] },
    { name: 'neither file: pool.ntp.org', servers: ['pool.ntp.org'] },
  ]
  for (const c of cases) {
    const box = sandbox(t)
    if (c.defaults !== undefined) box.defaults(c.defaults)
    if (c.stepTickers !== undefined) box.stepTickers(c.stepTickers)
    const r = await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate') } })
    t.equal(r.code, 0, `${c.name}: exit 0`, { output: show(r) })
    t.same(box.calls('tsntpdate'), [['-s', ...(c.options ?? []), ...c.servers]], c.name)
    // tsntpdate itself, given no server, chooses the same list from the same files
    t.same(chooseDefaultServers({ defaults: c.defaults, stepTickers: c.stepTickers }).servers, c.servers, `${c.name}: src/default-servers.ts agrees`)
  }
})

/**
 * The systemd units. `systemd-analyze verify` is not on CI's machine (no systemd there), so this
 * checks the shape and runs the shell part; the full check is manual (README, "systemd"):
 * systemd-analyze verify cron/tsntpdate.service cron/tsntpdate.timer.
 */
t.test('systemd units: hourly with a random delay, oneshot after network-online', async (t) => {
  const service = parseUnit(readFileSync(join(REPO, 'cron', 'tsntpdate.service'), 'utf8'))
  const timer = parseUnit(readFileSync(join(REPO, 'cron', 'tsntpdate.timer'), 'utf8'))
  t.same(Object.keys(service), ['Unit', 'Service'], 'tsntpdate.service: [Unit], [Service]')
  t.same(Object.keys(timer), ['Unit', 'Timer', 'Install'], 'tsntpdate.timer: [Unit], [Timer], [Install]')
  t.same(service['Unit']?.['Wants'], ['network-online.target'])
  t.same(service['Unit']?.['After'], ['network-online.target'])
  t.same(service['Service']?.['Type'], ['oneshot'])
  t.same(service['Service']?.['EnvironmentFile'], [`-${DEFAULTS_FILE}`], 'the defaults file, optional')
  t.same(service['Service']?.['ExecStart'], ['tsntpdate -s $NTPOPTIONS'], 'tsntpdate itself reads NTPSERVERS from the defaults file')
  t.same(service['Service']?.['SuccessExitStatus'], ['5'], 'a time daemon keeping the clock is not a failed unit')
  t.same(timer['Timer']?.['OnCalendar'], ['hourly'])
  t.match(timer['Timer']?.['RandomizedDelaySec']?.[0] ?? '', /^\d+(min|s)?$/, 'RandomizedDelaySec')
  t.same(timer['Install']?.['WantedBy'], ['timers.target'])

  // ExecStartPost, run by sh as systemd would (after a successful ExecStart), with a stub hwclock
  const post = /^\/bin\/sh -c '(.*)'$/.exec(service['Service']?.['ExecStartPost']?.[0] ?? '')?.[1]
  if (!post) return void t.fail('ExecStartPost is /bin/sh -c \'…\'')
  for (const [sync, expected] of [['yes', [['--systohc']]], ['no', []], ['', []]] as const) {
    const box = sandbox(t)
    box.stub('hwclock')
    const r = await runTool('sh', ['-c', post], { ...box.env, PATH: `${box.dir}:${box.env['PATH']}`, SYNC_HWCLOCK: sync })
    t.equal(r.code, 0, `SYNC_HWCLOCK=${sync}: exit 0`, { output: show(r) })
    t.same(box.calls('hwclock'), expected, `SYNC_HWCLOCK=${sync}: hwclock ${expected.length ? 'called with --systohc' : 'not called'}`)
  }
})

/** A systemd unit file: section → key → values, in order; fails on a line that is none of those. */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {}
  let current: Record<string, string[]> | undefined
  for (const line of text.split('\n')) {
    if (/^\s*([#;].*)?$/.test(line)) continue
    const section = /^\[(\w+)\]$/.exec(line)
    if (section) {
      current = sections[section[1]!] = {}
      continue
    }
    const setting = /^([A-Za-z]+)=(.*)$/.exec(line)
    if (!setting || !current) throw new Error(`not a unit file line: ${line}`)
    ;(current[setting[1]!] ??= []).push(setting[2]!)
  }
  return sections
}

function runTool(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  return runCommand([command, ...args], env ? { env } : {})
}
