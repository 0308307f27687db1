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
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { chooseDefaultServers } from '../../src/config/default-servers.js'
import { parseDefaultsFile } from '../../src/config/defaults-file.js'
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
  /**
   * a stub command that appends its argv (one invocation per line, JSON) to its own log; it says
   * `says` on stdout and stderr, or with `action` prints a --json document with that action
   */
  stub(name: string, exitCode?: number, says?: string, action?: string): string
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
    TSNTPDATE_DHCP_DIR: join(dir, 'dhcp'),
    TSNTPDATE_NETWORKD_LEASES: join(dir, 'leases'),
    TSNTPDATE_LOCK: join(dir, 'lock'),
    TSNTPDATE_BIN: BIN,
    // never the real RTC
    TSNTPDATE_HWCLOCK: join(dir, 'hwclock-must-not-run'),
    TSNTPDATE_ADJTIME: join(dir, 'adjtime'),
    // never this machine's /var/lib/tsntpdate (one test names a file of its own)
    TSNTPDATE_DRIFT_FILE: '',
  }
  writeFileSync(join(dir, 'adjtime'), '0.0 0 0.0\n0\nUTC\n')
  const box: Sandbox = {
    dir,
    env,
    defaults: (text) => writeFileSync(join(dir, 'default'), text),
    stepTickers: (text) => writeFileSync(join(dir, 'step-tickers'), text),
    stub(name, exitCode = 0, says, action) {
      const path = join(dir, name)
      const log = join(dir, `${name}.calls`)
      writeFileSync(
        path,
        [
          '#!/bin/sh',
          // one JSON array of strings per call (the tests' arguments need no escaping beyond quotes)
          `sep=; line='['; for a; do line="$line$sep\\"$a\\""; sep=,; done; printf '%s]\\n' "$line" >>'${log}'`,
          ...(says === undefined ? [] : [`echo '${says}'; echo '${says} (stderr)' >&2`]),
          ...(action === undefined ? [] : [`printf '{\\n  "version": "0.1.0",\\n  "action": "${action}",\\n  "exitCode": ${exitCode}\\n}\\n'`]),
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
  const sample = join(REPO, 'cron', 'tsntpdate.default')
  const r = await runTool('sh', ['-c', '. "$1"; printf "%s|%s|%s|%s|%s|%s|%s" "$NTPSERVERS" "$NTPOPTIONS" "$SPLAY" "$SYNC_HWCLOCK" "$MAXSTEP" "$MARK_SYNC" "$DRIFT_FILE"', 'sh', sample])
  t.equal(r.stdout, '||0|no|1000|yes|/var/lib/tsntpdate/drift')
  t.notOk('error' in parseDefaultsFile(readFileSync(sample, 'utf8'), sample), 'tsntpdate accepts it too')
})

t.test('with the real tsntpdate against a loopback chronyd', async (t) => {
  const KEYS = '1 AES128 HEX:2B7E151628AED2A6ABF7158809CF4F3C\n'
  const chronyd = await startChronyd(t, { address: '127.0.12.1', port: 12211, keys: KEYS })

  t.test('NTPOPTIONS carries -a and -k: the keyed server is used; a key id it lacks fails loudly', async (t) => {
    const keyDir = mkdtempSync(join(tmpdir(), 'tsntpdate-cron-keys-'))
    t.teardown(() => rmSync(keyDir, { recursive: true, force: true }))
    const keyFile = join(keyDir, 'ntp.keys')
    writeFileSync(keyFile, `${KEYS}2 AES128 HEX:${'00'.repeat(16)}\n`, { mode: 0o600 })
    const box = sandbox(t)
    box.defaults(`NTPSERVERS="${chronyd.spec}"\nNTPOPTIONS="-q -a 1 -k ${keyFile}"\n`)
    const r = await box.run()
    t.equal(r.code, 0, 'exit 0', { output: show(r) })
    t.equal(r.stdout + r.stderr, '', 'cron mails nothing')
    const wrong = sandbox(t)
    wrong.defaults(`NTPSERVERS="${chronyd.spec}"\nNTPOPTIONS="-q -t 0.3 -a 2 -k ${keyFile}"\n`)
    const failed = await wrong.run()
    t.equal(failed.code, 1, 'exit 1: a key the server does not have', { output: show(failed) })
    t.match(failed.stderr, /failed with exit status 1; details in syslog/)
  })

  t.test('success: exit 0, nothing on stdout or stderr (cron mails nothing)', async (t) => {
    const box = sandbox(t)
    box.defaults(`NTPSERVERS="${chronyd.spec}"\nNTPOPTIONS="-q"\n`)
    const r = await box.run()
    t.equal(r.code, 0, 'exit 0', { output: show(r) })
    t.equal(r.stdout, '', 'stdout empty')
    t.equal(r.stderr, '', 'stderr empty')
  })

  t.test("failure (the server is dead): tsntpdate's exit status, and a line saying so", async (t) => {
    const box = sandbox(t)
    const dead = await deadEndpoint('127.0.12.2')
    box.defaults(`NTPSERVERS="${dead.spec}"\nNTPOPTIONS="-q -t 0.3"\n`)
    const r = await box.run()
    t.equal(r.code, 1, 'exit 1: no suitable server', { output: show(r) })
    t.equal(r.stdout, '', 'stdout empty')
    t.match(r.stderr, /^ntpdate-hourly: .*tsntpdate -s --json --max-step 1000 -q -t 0\.3 failed with exit status 1; details in syslog/m)
  })

  t.test('SYNC_HWCLOCK=yes, NTPOPTIONS="-q" (or -d, --max-offset): the clock was not set, so no hwclock (issue 9, finding 12)', async (t) => {
    for (const options of ['-q', '-d', '--max-offset 1']) {
      const box = sandbox(t)
      box.defaults(`NTPSERVERS="${chronyd.spec}"\nNTPOPTIONS="${options}"\nSYNC_HWCLOCK=yes\n`)
      const r = await box.run({ env: { TSNTPDATE_HWCLOCK: box.stub('hwclock') } })
      t.equal(r.code, 0, `${options}: exit 0`, { output: show(r) })
      t.equal(r.stdout + r.stderr, '', `${options}: silent`)
      t.same(box.calls('hwclock'), [], `${options}: hwclock not called`)
    }
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
    t.same(
      parseQueryOutput(fromDefaults.stdout).servers.map((s) => s.server),
      [chronyd.spec],
      'NTPSERVERS: the chronyd was queried',
    )

    box.defaults('NTPSERVERS=""\n')
    box.stepTickers(`# the one\n${chronyd.spec}\n`)
    const fromTickers = await runCli(['-q'], { env: box.env })
    t.equal(fromTickers.code, 0, 'step-tickers: exit 0', { output: show(fromTickers) })
    t.same(
      parseQueryOutput(fromTickers.stdout).servers.map((s) => s.server),
      [chronyd.spec],
      'step-tickers: the chronyd was queried',
    )

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

const ARGS = ['-s', '--json', '--max-step', '1000']

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
  t.ok(
    delays.every((d) => /^[0-2]$/.test(d)),
    `every delay is 0, 1 or 2: ${delays.join(' ')}`,
  )
  // all 24 equal by chance: 3 × 3^-24 ≈ 1e-11
  t.ok(new Set(delays).size > 1, 'the delays vary')
  t.equal(box.calls('tsntpdate').length, runs, 'tsntpdate ran after each sleep')
})

t.test('MARK_SYNC=no passes --no-sync-mark; yes (the default) passes nothing; anything else is exit 2', async (t) => {
  const box = sandbox(t)
  const env = { TSNTPDATE_BIN: box.stub('tsntpdate') }
  box.defaults('NTPSERVERS=x.example\nMARK_SYNC=no\n')
  t.equal((await box.run({ env })).code, 0)
  box.defaults('NTPSERVERS=x.example\n')
  t.equal((await box.run({ env })).code, 0)
  t.same(box.calls('tsntpdate'), [[...ARGS, '--no-sync-mark'], ARGS])
  box.defaults('NTPSERVERS=x.example\nMARK_SYNC=maybe\n')
  const bad = await box.run({ env })
  t.equal(bad.code, 2)
  t.match(bad.stderr, /MARK_SYNC='maybe' in .*: say yes or no/)
})

t.test('DRIFT_FILE: passed as --drift-file; empty, nothing', async (t) => {
  const box = sandbox(t)
  const drift = join(box.dir, 'state', 'drift')
  box.defaults(`NTPSERVERS=x.example\nDRIFT_FILE=${drift}\n`)
  const env = { TSNTPDATE_BIN: box.stub('tsntpdate') }
  t.equal((await box.run({ env: { ...env, TSNTPDATE_DRIFT_FILE: undefined } })).code, 0)
  t.equal((await box.run({ env })).code, 0)
  t.same(box.calls('tsntpdate'), [[...ARGS, '--drift-file', drift], ARGS], 'the defaults file names it; TSNTPDATE_DRIFT_FILE= (empty) turns it off')
})

t.test('SPLAY with a leading zero is decimal, not octal (sh would reject 09)', async (t) => {
  const box = sandbox(t)
  const env = { TSNTPDATE_BIN: box.stub('tsntpdate'), TSNTPDATE_SLEEP: box.stub('sleep') }
  box.defaults('NTPSERVERS=x.example\nSPLAY=09\n')
  for (let i = 0; i < 5; i++) t.equal((await box.run({ env })).code, 0)
  const delays = box.calls('sleep').map((args) => Number(args[0]))
  t.equal(delays.length, 5)
  t.ok(
    delays.every((d) => Number.isInteger(d) && d >= 0 && d <= 9),
    `within 0..9: ${delays.join(' ')}`,
  )
})

t.test('SPLAY=0 (the default), SPLAY= (empty: 0), TSNTPDATE_SPLAY (the unit: 0), and the real sleep', async (t) => {
  const box = sandbox(t)
  const tsntpdate = box.stub('tsntpdate')
  const sleep = box.stub('sleep')
  box.defaults('NTPSERVERS=x.example\n')
  t.equal((await box.run({ env: { TSNTPDATE_BIN: tsntpdate, TSNTPDATE_SLEEP: sleep } })).code, 0)
  box.defaults('NTPSERVERS=x.example\nSPLAY=\n')
  t.equal((await box.run({ env: { TSNTPDATE_BIN: tsntpdate, TSNTPDATE_SLEEP: sleep } })).code, 0, 'SPLAY= is 0')
  box.defaults('NTPSERVERS=x.example\nSPLAY=3600\n')
  t.equal((await box.run({ env: { TSNTPDATE_BIN: tsntpdate, TSNTPDATE_SLEEP: sleep, TSNTPDATE_SPLAY: '0' } })).code, 0, 'TSNTPDATE_SPLAY=0 wins')
  t.same(box.calls('sleep'), [], 'no SPLAY: no sleep at all')
  box.defaults('NTPSERVERS=x.example\nSPLAY=1\n')
  const r = await box.run({ env: { TSNTPDATE_BIN: tsntpdate } })
  t.equal(r.code, 0, 'SPLAY=1 with the real sleep(1): exit 0', { output: show(r) })
  t.equal(box.calls('tsntpdate').length, 4)
})

t.test('no server configured (a fresh install): the run does nothing but say so to syslog, exit 0 (issue 22, point 14)', async (t) => {
  for (const [defaults, stepTickers] of [
    [undefined, undefined],
    ['NTPSERVERS=""\n', undefined],
    ['NTPSERVERS=" "\n', '# none yet\n   \n'],
  ] as const) {
    const box = sandbox(t)
    if (defaults !== undefined) box.defaults(defaults)
    if (stepTickers !== undefined) box.stepTickers(stepTickers)
    const r = await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate'), TSNTPDATE_LOGGER: box.stub('logger') } })
    const name = `defaults ${JSON.stringify(defaults)}, step-tickers ${JSON.stringify(stepTickers)}`
    t.equal(r.code, 0, `${name}: exit 0`, { output: show(r) })
    t.equal(r.stdout + r.stderr, '', 'nothing for cron to mail')
    t.same(box.calls('tsntpdate'), [], 'tsntpdate did not run: no pool.ntp.org')
    t.match(box.calls('logger'), [['-t', 'ntpdate-hourly', '-p', 'daemon.notice', '--', /^no NTP server configured: set NTPSERVERS in .*default \(or list servers in .*step-tickers\); nothing done$/]])
  }
  const box = sandbox(t)
  box.stepTickers('ntp1.example\n')
  await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate'), TSNTPDATE_LOGGER: box.stub('logger') } })
  t.equal(box.calls('tsntpdate').length, 1, 'a server in step-tickers: it runs')
})

t.test("DHCP's servers count as configured, unless IGNORE_DHCP=yes (issue 24, part 4)", async (t) => {
  for (const [settings, runs] of [
    ['NTPSERVERS=""\n', 1],
    ['NTPSERVERS=""\nIGNORE_DHCP=yes\n', 0],
  ] as const) {
    const box = sandbox(t)
    box.defaults(settings)
    mkdirSync(join(box.dir, 'dhcp'))
    writeFileSync(join(box.dir, 'dhcp', 'eth0'), '192.0.2.1\n')
    const r = await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate'), TSNTPDATE_LOGGER: box.stub('logger') } })
    t.equal(r.code, 0, show(r))
    t.equal(box.calls('tsntpdate').length, runs, `${JSON.stringify(settings)}: tsntpdate ran ${runs} times`)
  }
  const box = sandbox(t)
  box.defaults('NTPSERVERS=""\n')
  mkdirSync(join(box.dir, 'leases'))
  writeFileSync(join(box.dir, 'leases', '2'), 'ADDRESS=192.0.2.100\nNTP=192.0.2.3\n')
  await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate'), TSNTPDATE_LOGGER: box.stub('logger') } })
  t.equal(box.calls('tsntpdate').length, 1, "a systemd-networkd lease's NTP= counts too")
})

t.test('bad settings: exit 2 and a line naming the setting', async (t) => {
  for (const [setting, pattern] of [
    ['SPLAY=5s', /^ntpdate-hourly: SPLAY='5s' in .*default is not a whole number of seconds$/],
    ['SPLAY=-1', /SPLAY='-1'/],
    ['SPLAY=3601', /SPLAY='3601' in .* is more than 3600 seconds/],
    ['SPLAY=999999999', /SPLAY='999999999' in .* is more than 3600 seconds/],
    ['SYNC_HWCLOCK=true', /^ntpdate-hourly: SYNC_HWCLOCK='true' in .*default: say yes or no$/],
    ['MAXSTEP=big', /^ntpdate-hourly: MAXSTEP='big' in .* is not a number of seconds$/],
    ['NTPSERVERS=a\r\nSPLAY=0\r', /^ntpdate-hourly: .*default: a carriage return \(DOS line ends\); save the file with Unix line ends$/],
    ['\ufeffNTPSERVERS=a', /^ntpdate-hourly: .*default:1: starts with a byte-order mark; save it without one$/],
  ] as const) {
    const box = sandbox(t)
    box.defaults(`${setting}\n`)
    const r = await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate') } })
    t.equal(r.code, 2, `${JSON.stringify(setting)}: exit 2`)
    t.match(r.stderr.trim(), pattern, JSON.stringify(setting))
    t.same(box.calls('tsntpdate'), [], `${JSON.stringify(setting)}: tsntpdate did not run`)
  }
})

t.test('what tsntpdate is given: -s --json, the step limit, NTPOPTIONS as words; never a server (it reads them itself)', async (t) => {
  for (const [defaults, args] of [
    ['NTPSERVERS="-b evil"\n', ARGS],
    ['NTPSERVERS=x.example\nNTPOPTIONS="-p 2  -t 1 *"\n', [...ARGS, '-p', '2', '-t', '1', '*']],
    ['NTPSERVERS=x.example\nMAXSTEP=\n', ['-s', '--json']],
    ['NTPSERVERS=x.example\nMAXSTEP=0.5\nNTPOPTIONS=-B\n', ['-s', '--json', '--max-step', '0.5', '-B']],
  ] as const) {
    const box = sandbox(t)
    box.defaults(defaults)
    const r = await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate') } })
    t.equal(r.code, 0, JSON.stringify(defaults), { output: show(r) })
    t.same(box.calls('tsntpdate'), [args], JSON.stringify(defaults))
  }
  // and the real tsntpdate refuses a server list that would be options
  const box = sandbox(t)
  box.defaults('NTPSERVERS="-b"\n')
  const r = await box.run()
  t.equal(r.code, 2, 'NTPSERVERS="-b": exit 2', { output: show(r) })
  t.match(r.stderr, /NTPSERVERS: bad server '-b': not a host name or address/)
})

t.test('SYNC_HWCLOCK: hwclock only after tsntpdate really set the clock (its --json action)', async (t) => {
  for (const [tsntpdateExit, action, sync, expected] of [
    [0, 'step', 'yes', [['--systohc']]],
    [0, 'slew', 'yes', [['--systohc']]],
    [0, 'query', 'yes', []],
    [3, 'query', 'yes', []],
    [4, 'none', 'yes', []],
    [0, 'step', 'no', []],
  ] as const) {
    const box = sandbox(t)
    box.defaults(`NTPSERVERS=x.example\nSYNC_HWCLOCK=${sync}\n`)
    const r = await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate', tsntpdateExit, undefined, action), TSNTPDATE_HWCLOCK: box.stub('hwclock') } })
    const name = `tsntpdate exit ${tsntpdateExit} action ${action}, SYNC_HWCLOCK=${sync}`
    t.equal(r.code, tsntpdateExit, `${name}: the script exits ${tsntpdateExit}`)
    t.equal(r.stdout === '' && r.stderr === '', tsntpdateExit === 0, tsntpdateExit === 0 ? 'silent' : 'says why')
    t.same(box.calls('hwclock'), expected, `${name}: hwclock calls ${JSON.stringify(expected)}`)
  }
  const box = sandbox(t)
  box.defaults('NTPSERVERS=x.example\nSYNC_HWCLOCK=yes\n')
  const r = await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate', 0, undefined, 'step'), TSNTPDATE_HWCLOCK: box.stub('hwclock', 3) } })
  t.equal(r.code, 3, 'hwclock fails: its exit status')
  t.match(r.stderr, /^ntpdate-hourly: .*hwclock --systohc failed with exit status 3$/m)
})

t.test("tsntpdate's errors: passed on when it fails, each failure with its own words (issue 9, finding 12)", async (t) => {
  const box = sandbox(t)
  box.defaults('NTPSERVERS=x.example\n')
  const usage = await box.run({ env: { TSNTPDATE_BIN: box.stub('failing', 2, 'usage: tsntpdate …') } })
  t.equal(usage.code, 2)
  t.equal(usage.stdout, '', 'nothing on stdout')
  const lines = usage.stderr.split('\n')
  t.equal(lines[0], 'usage: tsntpdate … (stderr)', 'its stderr')
  t.match(lines[1], /^ntpdate-hourly: .*failing -s --json --max-step 1000 refused its options or .*default \(exit status 2\)$/)
  t.notMatch(usage.stderr, /syslog/, 'a usage error is not in syslog: not said to be')
  const failed = await box.run({ env: { TSNTPDATE_BIN: box.stub('failing', 1) } })
  t.match(failed.stderr, /failed with exit status 1; details in syslog \(ident tsntpdate\)$/m)
  const missing = await box.run({ env: { TSNTPDATE_BIN: join(box.dir, 'no-such-tsntpdate') } })
  t.equal(missing.code, 127)
  t.match(missing.stderr, /^ntpdate-hourly: cannot run .*no-such-tsntpdate \(exit status 127\)$/m)
  t.notMatch(missing.stderr, /syslog/)
  const ok = await box.run({ env: { TSNTPDATE_BIN: box.stub('chatty', 0, 'a warning') } })
  t.equal(ok.code, 0)
  t.equal(ok.stdout + ok.stderr, '', 'exit 0: silent')
})

t.test('SYNC_HWCLOCK=yes without /etc/adjtime (not creatable under the units): hwclock --systohc --utc --noadjfile', async (t) => {
  const box = sandbox(t)
  box.defaults('NTPSERVERS=x.example\nSYNC_HWCLOCK=yes\n')
  const r = await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate', 0, undefined, 'step'), TSNTPDATE_HWCLOCK: box.stub('hwclock'), TSNTPDATE_ADJTIME: join(box.dir, 'no-adjtime') } })
  t.equal(r.code, 0, { output: show(r) })
  t.same(box.calls('hwclock'), [['--systohc', '--utc', '--noadjfile']])
})

t.test('a time daemon keeps the clock (tsntpdate exits 5): exit 0, no mail, no hwclock', async (t) => {
  const box = sandbox(t)
  box.defaults('NTPSERVERS=x.example\nSYNC_HWCLOCK=yes\n')
  const r = await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate', 5, undefined, 'none'), TSNTPDATE_HWCLOCK: box.stub('hwclock') } })
  t.equal(r.code, 0, 'exit 0', { output: show(r) })
  t.equal(r.stdout + r.stderr, '', 'silent')
  t.equal(box.calls('tsntpdate').length, 1, 'tsntpdate ran')
  t.same(box.calls('hwclock'), [], 'the clock was not set: hwclock not called')
})

t.test('a defaults file that is a FIFO: one warning, ignored, no hang (issue 9, finding 6)', async (t) => {
  const box = sandbox(t)
  box.stepTickers('x.example\n') // a server configured: the run goes on
  t.equal((await runTool('mkfifo', [join(box.dir, 'default')])).code, 0)
  const r = await box.run({ env: { TSNTPDATE_BIN: box.stub('tsntpdate') } })
  t.equal(r.code, 0, { output: show(r) })
  t.match(r.stderr, /^ntpdate-hourly: .*default is not a regular file; ignored$/m)
  t.same(box.calls('tsntpdate'), [ARGS])
})

t.test("the lock: in a directory of root's own, never through a symlink (issue 9, finding 4)", async (t) => {
  const box = sandbox(t)
  box.stepTickers('x.example\n') // a server configured: the run goes on
  const tsntpdate = box.stub('tsntpdate')
  // a symlink where the lock goes: refused, and its target untouched
  writeFileSync(join(box.dir, 'precious'), 'keep me\n')
  symlinkSync(join(box.dir, 'precious'), join(box.dir, 'lock'))
  const linked = await box.run({ env: { TSNTPDATE_BIN: tsntpdate } })
  t.equal(linked.code, 1, { output: show(linked) })
  t.match(linked.stderr, /^ntpdate-hourly: the lock file .*lock is a symbolic link$/m)
  t.equal(readFileSync(join(box.dir, 'precious'), 'utf8'), 'keep me\n', 'the target is not truncated')
  // a lock directory others can write: refused
  const open = join(box.dir, 'open')
  mkdirSync(open)
  chmodSync(open, 0o1777)
  const shared = await box.run({ env: { TSNTPDATE_BIN: tsntpdate, TSNTPDATE_LOCK: join(open, 'lock') } })
  t.equal(shared.code, 1, { output: show(shared) })
  t.match(shared.stderr, /^ntpdate-hourly: the lock directory .*open can be written by others \(mode 1777\)$/m)
  // a missing directory is made (0755), and the lock file is 0600
  const made = join(box.dir, 'run', 'tsntpdate')
  const fresh = await box.run({ env: { TSNTPDATE_BIN: tsntpdate, TSNTPDATE_LOCK: join(made, 'hourly.lock') } })
  t.equal(fresh.code, 0, { output: show(fresh) })
  t.equal(statSync(made).mode & 0o777, 0o755, 'the lock directory is 0755')
  t.equal(statSync(join(made, 'hourly.lock')).mode & 0o777, 0o600, 'the lock file is 0600')
  // a directory that cannot be made: the script's own message
  writeFileSync(join(box.dir, 'file'), '')
  const impossible = await box.run({ env: { TSNTPDATE_BIN: tsntpdate, TSNTPDATE_LOCK: join(box.dir, 'file', 'sub', 'lock') } })
  t.equal(impossible.code, 1, { output: show(impossible) })
  t.equal(impossible.stderr, `ntpdate-hourly: cannot create the lock directory ${join(box.dir, 'file', 'sub')}\n`)
  t.same(box.calls('tsntpdate'), [ARGS], 'tsntpdate ran only where the lock was sound')
})

/** A process that holds `lock` (flock) until the test ends; the function returned lets go early. */
async function holdLock(t: Test, lock: string): Promise<() => Promise<void>> {
  const holder = spawn('flock', ['-n', lock, 'sh', '-c', 'echo held; exec sleep 60'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true })
  const stop = () => {
    try {
      process.kill(-holder.pid!, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  t.teardown(stop)
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve())
    holder.once('close', (code) => reject(new Error(`flock exited ${code} before holding the lock`)))
  })
  return async () => {
    const closed = new Promise((resolve) => holder.once('close', resolve))
    stop()
    await closed
  }
}

t.test('the lock: while another run holds it, a run exits 0 silently and runs nothing', async (t) => {
  const box = sandbox(t)
  box.stepTickers('x.example\n') // a server configured: the run goes on
  const tsntpdate = box.stub('tsntpdate')
  const release = await holdLock(t, join(box.dir, 'lock'))
  const r = await box.run({ env: { TSNTPDATE_BIN: tsntpdate, TSNTPDATE_LOGGER: box.stub('logger') } })
  t.equal(r.code, 0, 'exit 0', { output: show(r) })
  t.equal(r.stdout + r.stderr, '', 'silent')
  t.same(box.calls('tsntpdate'), [], 'tsntpdate did not run')
  t.same(box.calls('logger'), [], 'nothing logged: a lock held for a short while is normal')
  await release()
  const after = await box.run({ env: { TSNTPDATE_BIN: tsntpdate } })
  t.equal(after.code, 0)
  t.equal(box.calls('tsntpdate').length, 1, 'once the lock is free, the next run runs tsntpdate')
})

t.test('TSNTPDATE_LOCK_WAIT (the boot and resume units): a run waits for the lock, then runs', async (t) => {
  const box = sandbox(t)
  box.stepTickers('x.example\n') // a server configured: the run goes on
  const tsntpdate = box.stub('tsntpdate')
  const release = await holdLock(t, join(box.dir, 'lock'))
  const letGo = new Promise((resolve) => setTimeout(resolve, 700)).then(release)
  const r = await box.run({ env: { TSNTPDATE_BIN: tsntpdate, TSNTPDATE_LOCK_WAIT: '20' } })
  await letGo
  t.equal(r.code, 0, 'exit 0', { output: show(r) })
  t.equal(box.calls('tsntpdate').length, 1, 'it waited for the other run, then ran tsntpdate')
  const bad = await box.run({ env: { TSNTPDATE_BIN: tsntpdate, TSNTPDATE_LOCK_WAIT: 'soon' } })
  t.equal(bad.code, 2)
  t.match(bad.stderr, /TSNTPDATE_LOCK_WAIT='soon' is not a whole number of seconds/)
})

t.test('a lock held for longer than any run can take is reported once, to syslog and stderr (issue 9, finding 4)', async (t) => {
  const box = sandbox(t)
  const env = { TSNTPDATE_BIN: box.stub('tsntpdate'), TSNTPDATE_LOGGER: box.stub('logger') }
  const lock = join(box.dir, 'lock')
  await holdLock(t, lock)
  const threeHoursAgo = new Date(Date.now() - 3 * 3600 * 1000)
  utimesSync(lock, threeHoursAgo, threeHoursAgo)
  const first = await box.run({ env })
  t.equal(first.code, 0, { output: show(first) })
  t.match(first.stderr, /^ntpdate-hourly: the lock .*lock has been held since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d by a run that does not end; hourly runs are skipped until it does\n$/)
  const logged = box.calls('logger')
  t.equal(logged.length, 1, 'one syslog line')
  t.same(logged[0]?.slice(0, 5), ['-t', 'ntpdate-hourly', '-p', 'daemon.err', '--'])
  const second = await box.run({ env })
  t.equal(second.code, 0)
  t.equal(second.stdout + second.stderr, '', 'the second run says nothing more')
  t.equal(box.calls('logger').length, 1, 'and logs nothing more')
  t.same(box.calls('tsntpdate'), [], 'tsntpdate never ran')
})

t.test('the server list tsntpdate reads itself: NTPSERVERS, then step-tickers, nothing built in', async (t) => {
  const cases: { name: string; defaults?: string; stepTickers?: string; servers?: string[]; from?: string }[] = [
    { name: 'NTPSERVERS', defaults: 'NTPSERVERS="a.example  b.example:11123"\n', stepTickers: 'tick.example\n', servers: ['a.example', 'b.example:11123'], from: 'NTPSERVERS' },
    {
      name: 'NTPSERVERS empty: step-tickers',
      defaults: 'NTPSERVERS=""\n',
      stepTickers: '# ours\ntick1.example # near\n\ntick2.example tick3.example\n',
      servers: ['tick1.example', 'tick2.example', 'tick3.example'],
      from: 'step-tickers',
    },
    { name: 'no defaults file: step-tickers', stepTickers: 'tick.example\n', servers: ['tick.example'], from: 'step-tickers' },
    { name: 'step-tickers only comments: none', defaults: 'NTPSERVERS=" "\n', stepTickers: '# none yet\n' },
    { name: 'neither file: none' },
  ]
  for (const c of cases) {
    const chosen = chooseDefaultServers({ defaults: c.defaults, stepTickers: c.stepTickers })
    if (c.servers) t.same(chosen, { servers: c.servers, from: c.from }, c.name)
    else t.match(chosen, { error: /^no server named, and none configured/ }, c.name)
  }
})

/**
 * The systemd units. `systemd-analyze verify` is not on CI's machine (no systemd there), so this
 * checks the shape and runs the shell part; the full check is manual (docs/development.md):
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
  t.same(service['Service']?.['ExecStart'], ['tsntpdate-hourly'], 'the hourly script: one lock, one reading of the defaults file, the step limit')
  t.same(service['Service']?.['Environment'], ['TSNTPDATE_SPLAY=0'], 'no SPLAY: the timer has RandomizedDelaySec')
  t.same(timer['Timer']?.['OnCalendar'], ['hourly'])
  t.match(timer['Timer']?.['RandomizedDelaySec']?.[0] ?? '', /^\d+(min|s)?$/, 'RandomizedDelaySec')
  t.same(timer['Install']?.['WantedBy'], ['timers.target'])
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string> }
  t.equal(pkg.bin['tsntpdate-hourly'], 'cron/ntpdate-hourly', 'npm installs the script as tsntpdate-hourly')
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
