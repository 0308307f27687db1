/**
 * Issue 9's findings through the real CLI: repeated flags that must not set the clock, output
 * that fails, signals, text from the network, IPv6 spellings. Runs that could set the clock run
 * without CAP_SYS_TIME (setpriv), so a set attempt would fail with exit 4 instead of moving it.
 *
 * Address block of this file: 127.0.16.x (chronyd on 127.0.16.1:11601, a script server on
 * 127.0.16.2, port 0) and [::1]:11691.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startChronyd } from '../helpers/chronyd.js'
import { BIN, cleanEnv, lines, parseQueryOutput, REPO, runCli, runCommand, describeRun } from '../helpers/cli.js'
import { replyTo, startScriptServer } from '../helpers/script-server.js'

/** uid 0 without CAP_SYS_TIME: a set attempt fails with EPERM (exit 4), so exit 0 shows none was made */
const WITHOUT_SYS_TIME = ['setpriv', '--inh-caps=-sys_time', '--bounding-set=-sys_time']
const FAST = ['-t', '1', '--gap', '0.05']

if (process.getuid?.() !== 0) {
  if (process.env['CI'] === undefined) t.test('hostile input through the CLI', { skip: 'needs root (setpriv); runs in CI' }, () => {})
  else t.fail('these tests need root (setpriv), and CI is set: run them as root')
} else {
  t.test('hostile input through the CLI', async (t) => {
    const chronyd = await startChronyd(t, { address: '127.0.16.1', port: 11601 })

    t.test('a flag given twice means what it means once: no clock-setting pass (finding 1)', async (t) => {
      for (const argv of [['-q', '-q'], ['-qq'], ['--query', '--query'], ['-d', '-d'], ['-dd'], ['-q', '--max-offset', '1', '--max-offset', '1']]) {
        const r = await runCli([...argv, ...FAST, chronyd.spec], { prefix: WITHOUT_SYS_TIME })
        t.equal(r.code, 0, `${argv.join(' ')}: exit 0, not 4 (no set was tried)`, { output: describeRun(r) })
        t.ok(parseQueryOutput(r.stdout).servers.length === 1, `${argv.join(' ')}: the -q server line`)
      }
      const help = await runCli(['-hh'], { prefix: WITHOUT_SYS_TIME })
      t.equal(help.code, 0)
      t.match(help.stdout, /^tsntpdate .*: set or check the clock/, '-hh: the help, and nothing queried')
      const version = await runCli(['-vv'])
      t.match(version.stdout, /^tsntpdate \d+\.\d+\.\d+\n$/, '-vv: the version only')
      const json = await runCli(['--json', '--json', '-q', ...FAST, chronyd.spec])
      t.equal(JSON.parse(json.stdout).exitCode, 0, '--json --json: one JSON document')
      const syslog = await runCli(['-s', '-s', '-q', ...FAST, chronyd.spec])
      t.equal(parseQueryOutput(syslog.stdout).final, undefined, '-s -s: the result goes to syslog, not the terminal')
    })

    t.test('flags take no value: --json=0 and --query=1 are usage errors, not servers (finding 2)', async (t) => {
      for (const argv of [['--json=0'], ['--query=1'], ['--no-query', chronyd.spec], ['--p', '8', chronyd.spec], ['-', chronyd.spec]]) {
        const r = await runCli(argv, { prefix: WITHOUT_SYS_TIME })
        t.equal(r.code, 2, `${argv.join(' ')}: exit 2`, { output: describeRun(r) })
        t.equal(lines(r.stderr).length, 1, 'one line')
      }
    })

    t.test('stdout on a full device: the exit status and the metrics file are those of the time work (finding 7)', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-full-'))
      t.teardown(() => rmSync(dir, { recursive: true, force: true }))
      const metrics = join(dir, 'tsntpdate.prom')
      const r = await runCommand(['sh', '-c', `exec "$@" >/dev/full`, 'sh', process.execPath, BIN, '-q', '--max-offset', '0.000000001', '--json', '--metrics-file', metrics, ...FAST, chronyd.spec], {
        env: cleanEnv(),
      })
      t.equal(r.code, 3, 'exit 3: the --max-offset check failed, not 70', { output: describeRun(r) })
      t.notMatch(r.stderr, /internal error/)
      t.match(readFileSync(metrics, 'utf8'), /^tsntpdate_exit_code 3$/m, 'the metrics file says 3')
      t.same(readdirSync(dir), ['tsntpdate.prom'], 'no temp file left')
    })

    t.test('SIGTERM, SIGINT, SIGHUP: 128+signal, the JSON document and the metrics file (finding 8)', async (t) => {
      const silent = await startScriptServer(t, '127.0.16.2', () => {}) // never answers: the run waits
      for (const [signal, code] of [
        ['SIGTERM', 143],
        ['SIGINT', 130],
        ['SIGHUP', 129],
      ] as const) {
        const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-signal-'))
        t.teardown(() => rmSync(dir, { recursive: true, force: true }))
        const metrics = join(dir, 'tsntpdate.prom')
        const child = spawn(
          '/usr/bin/env',
          ['-u', 'NODE_OPTIONS', ...WITHOUT_SYS_TIME, process.execPath, BIN, '-q', '--json', '--metrics-file', metrics, '-t', '10', '-p', '2', `127.0.16.2:${silent.port}`],
          {
            cwd: REPO,
            env: cleanEnv(),
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        )
        let stdout = ''
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
        // once the request is out, the run is waiting for the reply
        for (let i = 0; i < 200 && silent.requests.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
        const signalled = process.hrtime.bigint()
        child.kill(signal)
        const exited = await new Promise<number | null>((resolve) => child.on('close', resolve))
        const endedMs = Number(process.hrtime.bigint() - signalled) / 1e6
        t.ok(endedMs < 2_000, `${signal}: ended ${endedMs.toFixed(0)} ms after the signal (issue 22, point 4)`)
        silent.requests.length = 0
        t.equal(exited, code, `${signal}: exit ${code}`)
        const report = JSON.parse(stdout) as { exitCode: number; error: string; action: string }
        t.same([report.exitCode, report.error, report.action], [code, `interrupted by ${signal}; clock left untouched`, 'none'], `${signal}: the JSON document`)
        t.match(readFileSync(metrics, 'utf8'), new RegExp(`^tsntpdate_exit_code ${code}$`, 'm'), `${signal}: the metrics file`)
        t.notOk(
          readdirSync(dir).some((name) => name.startsWith('.')),
          'no temp file',
        )
      }
    })

    t.test('a kiss code with control characters is shown escaped (finding 9)', async (t) => {
      const evil = await startScriptServer(t, '127.0.16.3', (request, from, server) => server.send(replyTo(request, { leap: 3, stratum: 0, referenceId: 0x1b_5b_32_4a }), from))
      const r = await runCli(['-d', '-t', '1', `127.0.16.3:${evil.port}`])
      t.notMatch(r.stdout + r.stderr, /\x1b/, 'no raw ESC reaches the terminal')
      t.match(r.stdout, /kiss-o'-death \\x1b\[2J \(unknown code\)/, 'the code, escaped')
    })

    t.test('IPv6 in any spelling is matched as an address (finding 10)', async (t) => {
      const six = await startChronyd(t, { address: '::1', port: 11691 })
      for (const spelling of ['::1', '0:0:0:0:0:0:0:1', '0::1', '::0001', '::1%lo']) {
        const r = await runCli(['-q', ...FAST, `[${spelling}]:${six.port}`])
        t.equal(r.code, 0, `[${spelling}]:${six.port}: exit 0`, { output: describeRun(r) })
        t.equal(parseQueryOutput(r.stdout).servers.length, 1, `[${spelling}]: answered`)
      }
    })
  })
}

t.test('the setpriv used here is there', async (t) => {
  t.ok(existsSync('/usr/bin/setpriv') || existsSync('/bin/setpriv'), 'setpriv (util-linux)')
})
