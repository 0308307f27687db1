/**
 * Issue 22, points 3, 4 and 13, through the real CLI and the real file system: the directories of
 * the drift file, the NTS cookie cache and the synchronised mark. Nothing planted at a path is
 * removed, no path hangs a run (a recursive mkdir under /proc spun forever, deaf to SIGTERM), and
 * a link is never followed into, whatever its spelling. Every run here is -q: nothing is set.
 *
 * Address block of this file: 127.0.24.x (chronyd on 127.0.24.1:12411).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { startChronyd } from '../helpers/chronyd.js'
import { deadEndpoint } from '../helpers/chronyd.js'
import { describeRun, lines, runCli } from '../helpers/cli.js'
import { markKernelSynchronised } from '../../src/io/host/mark-synchronised.js'
import { openCacheDir } from '../../src/io/nts/nts-cache.js'
import { driftSystem } from '../../src/io/host/drift-system.js'

const FAST = ['-t', '1', '-p', '1']
/** a run that does not hang ends well within this (a hung one was killed at 30 s) */
const BOUND_MS = 10_000

function scratch(t: Test, mode = 0o700): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-state-'))
  chmodSync(dir, mode)
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

t.test('the directory helpers against the real file system', async (t) => {
  t.test('a directory planted at the drift file path is left alone, with everything in it (point 3)', async (t) => {
    const dir = scratch(t)
    mkdirSync(join(dir, 'drift'))
    writeFileSync(join(dir, 'drift', 'precious'), 'keep me')
    t.throws(() => driftSystem.write(join(dir, 'drift'), '{}'), /is a directory, not a regular file; left alone/)
    t.equal(readFileSync(join(dir, 'drift', 'precious'), 'utf8'), 'keep me', 'nothing removed')
  })

  t.test("the drift file's directory is checked as the cache's: not another's, not open to others (point 3)", async (t) => {
    const open = scratch(t, 0o1777)
    t.match(driftSystem.read(join(open, 'drift')), { refused: /its directory .* is open to others \(mode 0777\)/ }, 'a sticky 1777 directory: refused for reading')
    t.throws(() => driftSystem.write(join(open, 'drift'), '{}'), /its directory .* is open to others/, 'and for writing')
    t.same(readdirSync(open), [], 'nothing written there')
    const missing = join(scratch(t), 'a', 'b')
    t.same(driftSystem.read(join(missing, 'drift')), { absent: true }, 'a missing directory: no record yet')
    driftSystem.write(join(missing, 'drift'), '{}')
    t.equal(readFileSync(join(missing, 'drift'), 'utf8'), '{}', 'made, one level at a time, and written')
  })

  t.test('a path under /proc ends at once with a reason (point 4)', async (t) => {
    const started = process.hrtime.bigint()
    t.throws(() => driftSystem.write('/proc/x/drift', '{}'), /cannot be made: ENOENT/)
    t.match(openCacheDir('/proc/x'), { unusable: /\/proc\/x cannot be made: ENOENT/ })
    t.match(
      markKernelSynchronised({ maxErrorMicros: 1000, estErrorMicros: 100 }, '/proc/x/sync-mark'),
      /cannot record the mark in \/proc\/x\/sync-mark: \/proc\/x cannot be made/,
      'the mark: refused before adjtimex sets anything',
    )
    t.ok(Number(process.hrtime.bigint() - started) / 1e6 < 1000, 'within a second')
  })

  t.test('--nts-cache LINK/ is the link, refused as LINK is (point 13)', async (t) => {
    const dir = scratch(t)
    mkdirSync(join(dir, 'real'), { mode: 0o700 })
    symlinkSync(join(dir, 'real'), join(dir, 'link'))
    for (const spelling of ['link', 'link/', 'link//', 'link/.', 'real/../link/']) {
      t.match(openCacheDir(join(dir, spelling)), { unusable: /link is a symbolic link, not a directory/ }, spelling)
    }
    t.notMatch(openCacheDir(join(dir, 'real/')), { unusable: /./ }, 'the real directory, with a slash, is fine')
  })
})

if (process.getuid?.() !== 0) {
  if (process.env['CI'] === undefined) t.test('state paths through the CLI', { skip: 'needs root (the drift file and cache are root state); runs in CI' }, () => {})
  else t.fail('these tests need root, and CI is set: run them as root')
} else {
  t.test('state paths through the CLI', async (t) => {
    const chronyd = await startChronyd(t, { address: '127.0.24.1', port: 12411 })

    t.test('--drift-file at a planted directory: one warning, the directory kept (point 3)', async (t) => {
      const dir = scratch(t)
      mkdirSync(join(dir, 'drift'))
      writeFileSync(join(dir, 'drift', 'precious'), 'keep me')
      const r = await runCli(['-q', ...FAST, '--drift-file', join(dir, 'drift'), chronyd.spec])
      t.equal(r.code, 0, 'the query stands', { output: describeRun(r) })
      t.match(lines(r.stderr), [/drift file .*drift is a directory, not a regular file; not used/])
      t.ok(existsSync(join(dir, 'drift', 'precious')), 'the planted directory and its file are still there')
    })

    t.test('paths under /proc: the run ends at once with one warning each (point 4)', async (t) => {
      const drift = await runCli(['-q', ...FAST, '--drift-file', '/proc/x/drift', chronyd.spec], { timeoutMs: 30_000 })
      t.equal(drift.signal, null, 'not killed', { output: describeRun(drift) })
      t.ok(drift.ms < BOUND_MS, `ended in ${drift.ms.toFixed(0)} ms`)
      t.equal(drift.code, 0, 'the query stands')
      t.match(lines(drift.stderr), [/drift file \/proc\/x\/drift not written: its directory \/proc\/x cannot be made: ENOENT/])
      const dead = await deadEndpoint('127.0.24.2')
      const cache = await runCli(['-q', '--nts', '-t', '0.5', '--nts-cache', '/proc/x', `127.0.24.2:${dead.port}`], { timeoutMs: 30_000 })
      t.equal(cache.signal, null, 'not killed', { output: describeRun(cache) })
      t.ok(cache.ms < BOUND_MS, `--nts-cache /proc/x ended in ${cache.ms.toFixed(0)} ms`)
      t.match(cache.stderr, /\/proc\/x cannot be made: ENOENT/, 'the cache: one warning')
    })
  })
}
