/**
 * The npm package as a user gets it: `npm pack`, `npm install -g` of the tarball into a temporary
 * prefix, then the installed command against a loopback chronyd and the installed man page.
 * Packs without scripts: `npm test` has just built dist/. Dependencies come from the npm cache
 * (`npm ci` filled it); the registry is asked only for what is missing there.
 *
 * Address block of this file: 127.0.12.x (shared with cron.test.ts; port 12251 is this file's).
 */
import t from 'tap'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { startChronyd } from '../helpers/chronyd.js'
import { cleanEnv, parseQueryOutput, runCommand } from '../helpers/cli.js'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * This environment without what `npm test` exports about the project being tested (the package
 * install must not see npm_package_* or a prefix of the outer npm), with this node first in PATH.
 */
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(cleanEnv()).filter(([key]) => !/^npm_(package_|lifecycle_|config_(prefix|global|global_prefix|local_prefix)$)/.test(key))),
  PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
  MANPAGER: 'cat',
  MANWIDTH: '80',
}

function run(command: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return runCommand([command, ...args], { env, timeoutMs: 60_000, ...options })
}

function show(r: Run): string {
  return `exit ${r.code}\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`
}

const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-package-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const prefix = join(dir, 'prefix')

const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir])
const tarball = packed.code === 0 ? join(dir, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename) : undefined

t.test('npm pack: the tarball holds the program, the man page and cron/', async (t) => {
  t.equal(packed.code, 0, 'npm pack', { output: show(packed) })
  const files = packed.code === 0 ? (JSON.parse(packed.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path) : []
  for (const path of [
    'bin/tsntpdate',
    'bin/package.json',
    'dist/tsntpdate.cjs',
    'man/tsntpdate.8',
    'cron/ntpdate-hourly',
    'cron/tsntpdate.default',
    'cron/tsntpdate.service',
    'cron/tsntpdate.timer',
    'cron/tsntpdate-boot.service',
    'cron/tsntpdate-resume.service',
    'cron/if-up.d/tsntpdate',
    'cron/NetworkManager/50-tsntpdate',
    'README.md',
  ]) {
    t.ok(files.includes(path), path)
  }
  t.notOk(
    files.some((f) => f.startsWith('test/') || f.startsWith('src/')),
    'no tests, no TypeScript sources',
  )
})

t.test('npm install -g --prefix: the installed tsntpdate -q against a loopback chronyd', async (t) => {
  if (!tarball) return void t.fail('no tarball to install')
  const installed = await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { timeoutMs: 120_000 })
  t.equal(installed.code, 0, 'npm install -g', { output: show(installed) })
  const command = join(prefix, 'bin', 'tsntpdate')
  t.ok(existsSync(command), `${command} exists`)

  const chronyd = await startChronyd(t, { address: '127.0.12.5', port: 12251 })
  const r = await run(command, ['-q', chronyd.spec], { cwd: dir })
  t.equal(r.code, 0, 'exit 0', { output: show(r) })
  t.equal(r.stderr, '', 'nothing on stderr')
  const output = parseQueryOutput(r.stdout)
  t.equal(output.servers.length, 1, 'one server line', { stdout: r.stdout })
  t.equal(output.servers[0]?.server, chronyd.spec)
  t.equal(output.servers[0]?.stratum, 2, 'stratum 2 (chronyd: local stratum 2)')
  t.equal(output.final?.server, chronyd.spec, 'and the final line')
  t.comment(r.stdout.trim())

  const script = join(prefix, 'lib', 'node_modules', 'tsntpdate', 'cron', 'ntpdate-hourly')
  t.ok(existsSync(script) && (statSync(script).mode & 0o111) !== 0, 'cron/ntpdate-hourly is installed, executable')

  const man = await run('man', ['-M', join(prefix, 'share', 'man'), '-P', 'cat', '8', 'tsntpdate'], { cwd: dir })
  t.equal(man.code, 0, 'man -M PREFIX/share/man 8 tsntpdate', { output: show(man) })
  // without a terminal man-db may still embolden by overstriking: c\bc
  const text = man.stdout.replace(/.\x08/g, '')
  t.match(text, /^NAME\n\s+tsntpdate - \S/m, 'the NAME section: tsntpdate - …')
})
