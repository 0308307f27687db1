/**
 * The systemd units in cron/: scored by systemd's own `systemd-analyze security --offline=yes`
 * (systemd need not run) at 2.5 or less each, the ordering and privileges each one needs, and
 * nothing that breaks the job (Node's JIT, adjtimex, the clock itself).
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { REPO } from '../helpers/cli.js'

const CRON = join(REPO, 'cron')
const SERVICES = readdirSync(CRON)
  .filter((f) => f.endsWith('.service'))
  .sort()
const MAX_EXPOSURE = 2.5
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' })
const noSystemd = analyze.error !== undefined && process.env['CI'] === undefined

/** the unit as systemd reads it: its own file, then the hardening drop-in every service has */
const HARDENING = readFileSync(join(CRON, 'tsntpdate-hardening.conf'), 'utf8')
const unitText = (unit: string) => readFileSync(join(CRON, unit), 'utf8') + (unit.endsWith('.service') ? '\n' + HARDENING : '')

const settings = (text: string, key: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1))

t.test('the units shipped', async (t) => {
  t.same(SERVICES, ['tsntpdate-boot.service', 'tsntpdate-resume.service', 'tsntpdate.service'])
})

t.test('systemd-analyze security --offline: every service scores 2.5 or less', { skip: noSystemd && 'systemd-analyze is not installed here (CI installs systemd)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-units-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // a root as the package lays it out: the unit, its hardening drop-in, and the job it names
  const units = join(dir, 'usr', 'lib', 'systemd', 'system')
  mkdirSync(join(dir, 'usr', 'sbin'), { recursive: true })
  copyFileSync(join(CRON, 'ntpdate-hourly'), join(dir, 'usr', 'sbin', 'tsntpdate-hourly'))
  for (const unit of SERVICES) {
    mkdirSync(join(units, `${unit}.d`), { recursive: true })
    writeFileSync(join(units, unit), readFileSync(join(CRON, unit), 'utf8').replace(/^ExecStart=tsntpdate-hourly$/m, 'ExecStart=/usr/sbin/tsntpdate-hourly'))
    writeFileSync(join(units, `${unit}.d`, 'hardening.conf'), HARDENING)
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', `--root=${dir}`, unit], { encoding: 'utf8' })
    const score = Number(/Overall exposure level for \S+: (\d+\.\d)/.exec(r.stdout)?.[1])
    t.ok(score <= MAX_EXPOSURE, `${unit}: exposure ${score} (at most ${MAX_EXPOSURE})`, { output: r.stdout.slice(-3000) + r.stderr })
  }
})

t.test('systemd-analyze verify: every unit and the timer parse, with nothing unknown', { skip: noSystemd && 'systemd-analyze is not installed here (CI installs systemd)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-units-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const units = [...SERVICES, 'tsntpdate.timer']
  for (const unit of units) {
    const text = unitText(unit).replace(/^ExecStart=tsntpdate-hourly$/m, `ExecStart=${join(CRON, 'ntpdate-hourly')}`)
    writeFileSync(join(dir, unit), text)
  }
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...units.map((u) => join(dir, u))], { encoding: 'utf8' })
  t.equal(r.status, 0, 'exit 0')
  t.equal(r.stdout + r.stderr, '', 'no complaint')
})

t.test('every service: only CAP_SYS_TIME, the clock calls allowed, nothing that breaks the job', async (t) => {
  for (const unit of SERVICES) {
    const text = unitText(unit)
    t.same(settings(text, 'CapabilityBoundingSet'), ['CAP_SYS_TIME'], `${unit}: CAP_SYS_TIME only`)
    t.same(settings(text, 'ExecStart'), ['tsntpdate-hourly'], `${unit}: the hourly script, so one lock and one reading of the settings`)
    t.ok(
      settings(text, 'SystemCallFilter').some((f) => f.split(' ').includes('@clock')),
      `${unit}: @clock allowed`,
    )
    t.notOk(
      settings(text, 'SystemCallFilter').some((f) => f.startsWith('~') && /@privileged|@clock/.test(f)),
      `${unit}: @clock not denied`,
    )
    for (const [key, why] of [
      ['MemoryDenyWriteExecute', "Node's JIT aborts"],
      ['PrivateUsers', 'adjtimex is refused'],
      ['ProtectClock', 'the clock is the job'],
    ] as const) {
      t.same(settings(text, key), [], `${unit}: no ${key}= (${why})`)
    }
    t.same(settings(text, 'StateDirectory'), ['tsntpdate'], `${unit}: the NTS cookie cache and the drift file are writable`)
    t.same(settings(text, 'RuntimeDirectory'), ['tsntpdate'], `${unit}: the lock and the synchronised mark are writable`)
    t.same(settings(text, 'RuntimeDirectoryPreserve'), ['yes'], `${unit}: one unit's end does not take the lock from another`)
  }
})

t.test('the boot unit: once, before time-sync.target, bounded; the resume unit: after every kind of sleep, retried', async (t) => {
  const boot = readFileSync(join(CRON, 'tsntpdate-boot.service'), 'utf8')
  t.same(settings(boot, 'Before'), ['time-sync.target'])
  t.match(settings(boot, 'Wants').join(' '), /network-online\.target.*time-sync\.target/)
  t.match(settings(boot, 'After').join(' '), /network-online\.target nss-lookup\.target/)
  t.same(settings(boot, 'RemainAfterExit'), ['yes'])
  t.same(settings(boot, 'TimeoutStartSec'), ['90'])
  t.match(settings(boot, 'Environment').join(' '), /TSNTPDATE_SPLAY=0 TSNTPDATE_LOCK_WAIT=60/)
  t.same(settings(boot, 'WantedBy'), ['multi-user.target'])
  const resume = readFileSync(join(CRON, 'tsntpdate-resume.service'), 'utf8')
  const sleeps = 'suspend.target hibernate.target hybrid-sleep.target suspend-then-hibernate.target'
  t.same(settings(resume, 'After'), [sleeps])
  t.same(settings(resume, 'WantedBy'), [sleeps])
  t.same(settings(resume, 'Restart'), ['on-failure'])
  t.match(settings(resume, 'Environment').join(' '), /TSNTPDATE_LOCK_WAIT=60/)
})

t.test('the hardening is written once (issue 24, part 5): one drop-in, no service repeats it', async (t) => {
  for (const unit of SERVICES) t.same(settings(readFileSync(join(CRON, unit), 'utf8'), 'CapabilityBoundingSet'), [], `${unit}: none of its own`)
  t.match(HARDENING, /^\[Service\]$/m)
})
