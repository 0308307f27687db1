/**
 * The Debian package on a real systemd (issue 24): a Debian 12 container booted with
 * systemd-nspawn -b (systemd as PID 1, Debian's own nodejs 18), the .deb installed in it with
 * apt-get, and checked for real: the timer, boot and resume units enabled, the timer's next run
 * within the hour; the hourly service's run ends with exit 4 (no CAP_SYS_TIME in the container)
 * and one clear line; after a reboot the boot unit ran before time-sync.target and the boot
 * reached multi-user.target although the set failed; the resume unit is wanted by every sleep
 * target; timedatectl set-ntp false|true switches the timer; purge leaves nothing.
 *
 * The container never holds CAP_SYS_TIME (test/helpers/container.sh, ../shared/TESTBED.md), so the
 * host's clock is safe. It shares the host's network and reaches a `chronyd -x` on the host.
 * Root only (CI runs as root); the root filesystem comes from a cached tarball, built on the first
 * run (~2 minutes: debootstrap and apt-get from the host's Debian mirror).
 * Address block of this file: 127.0.25.x.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import t, { type Test } from 'tap'
import { startChronyd } from '../helpers/chronyd.js'
import { REPO } from '../helpers/cli.js'

const HELPER = join(REPO, 'test', 'helpers', 'container.sh')
const CACHE = process.env['CT_CACHE'] ?? '/var/cache/tsntpdate-test/bookworm-systemd-node18.tar.zst'
const NAME = `tsntpdate-sd-${process.pid}`
const SLEEP_TARGETS = ['suspend.target', 'hibernate.target', 'hybrid-sleep.target', 'suspend-then-hibernate.target']
const UNITS = ['tsntpdate.timer', 'tsntpdate-boot.service', 'tsntpdate-resume.service']
// bounds: the hourly job without CAP_SYS_TIME (a query of one loopback server, then the refused
// set) and a boot whose boot unit fails the same way
const JOB_BOUND_MS = 20_000
const BOOT_BOUND_MS = 30_000

interface Run {
  code: number | null
  out: string
  ms: number
}
const run = (command: string, args: string[], timeoutMs = 60_000): Run => {
  const t0 = Date.now()
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    env: { ...process.env, CT_CACHE: CACHE, DEBIAN_FRONTEND: 'noninteractive' },
  })
  // apt-get names the host's mirror: kept out of the test's output
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.replace(/\b(https?|ftp):\/\/[^\s\]]+/g, '$1://MIRROR')
  return { code: r.status, out, ms: Date.now() - t0 }
}
const helper = (args: string[], timeoutMs?: number) => run('bash', [HELPER, ...args], timeoutMs)
/** a shell command inside the container (its bounding set: no CAP_SYS_TIME) */
const inside = (command: string, timeoutMs?: number) => helper(['exec', NAME, 'sh', '-c', command], timeoutMs)
/** `systemctl show -p P --value UNIT` inside; '' for the manager itself */
const show = (unit: string, property: string) => inside(`systemctl show -p ${property} --value ${unit}`).out.trim()
const monotonic = (unit: string, property: string) => Number(show(unit, property))

const missingTools = ['systemd-nspawn', 'debootstrap', 'zstd', 'nsenter', 'setpriv'].filter((tool) => run('sh', ['-c', `command -v ${tool}`]).code !== 0)
const hybridCgroups = existsSync('/sys/fs/cgroup/systemd') && existsSync('/sys/fs/cgroup/unified')

if (process.getuid?.() !== 0) {
  if (process.env['CI'] === undefined) t.test('the package on a real systemd', { skip: 'needs root (systemd-nspawn); runs in CI' }, () => {})
  else t.fail('the container test needs root (systemd-nspawn), and CI is set: run it as root')
} else if (missingTools.length > 0 || !hybridCgroups) {
  const why =
    missingTools.length > 0
      ? `missing on the host: ${missingTools.join(', ')} (apt-get install systemd-container debootstrap zstd)`
      : 'the host has no /sys/fs/cgroup/{systemd,unified} (container.sh expects hybrid cgroups)'
  if (process.env['CI'] === undefined) t.test('the package on a real systemd', { skip: why }, () => {})
  else t.fail(`the container test cannot run: ${why}`)
} else {
  // a first run builds the cache (~2 min), then a boot, apt-get update and install, a reboot: past
  // tap's 120 s per file
  t.setTimeout(360_000)
  t.test('the package on a real systemd', containerTests)
}

async function containerTests(t: Test) {
  // the .deb, as deb.test.ts builds it (after npm run build)
  const debDir = mkdtempSync(join(tmpdir(), 'tsntpdate-sd-deb-'))
  t.teardown(() => rmSync(debDir, { recursive: true, force: true }))
  const build = run('sh', [join(REPO, 'cron', 'debian', 'build-deb.sh'), debDir])
  t.equal(build.code, 0, `build-deb.sh: ${build.out}`)
  const deb = build.out.trim().split('\n').at(-1) ?? ''
  if (!t.match(deb, /tsntpdate_\d+\.\d+\.\d+_[a-z0-9]+\.deb$/, 'the .deb is built')) return

  if (!existsSync(CACHE)) {
    const cache = helper(['build-cache', CACHE], 300_000)
    t.comment(`cache built in ${cache.ms} ms:\n${cache.out}`)
    if (!t.equal(cache.code, 0, `container.sh build-cache: ${cache.out}`)) return
  }

  // a real NTP server on the host: the job queries it, then fails at the set
  const chronyd = await startChronyd(t, { address: '127.0.25.1', port: 12601 })

  // the root filesystem on disk; in teardown, in this order: the container stopped, its console
  // log shown if a check failed, its state and root filesystem removed (never crossing into
  // another file system)
  const root = mkdtempSync('/var/tmp/tsntpdate-sd-root-')
  chmodSync(root, 0o755)
  let running = false
  const state = join(process.env['CT_STATE'] ?? '/run/tsntpdate-ct', NAME)
  t.teardown(() => {
    if (running) helper(['stop', NAME], 60_000)
    if (!t.passing()) t.comment(run('tail', ['-n', '40', join(state, 'console.log')]).out)
    rmSync(state, { recursive: true, force: true })
    run('rm', ['-rf', '--one-file-system', root])
  })
  const boot = () => {
    running = true
    const r = helper(['boot', NAME, root, '--apt-sources'], 90_000)
    if (r.code !== 0) running = existsSync(join(state, 'nspawn.pid'))
    return r
  }
  const stop = () => {
    const r = helper(['stop', NAME], 60_000)
    running = false
    return r
  }

  const first = boot()
  t.comment(`first boot (unpack and boot): ${first.ms} ms\n${first.out}`)
  if (!t.equal(first.code, 0, `container.sh boot: ${first.out}`)) return
  t.match(inside('node --version').out, /^v18\./, "Debian's own nodejs 18 runs the program")

  copyFileSync(deb, join(root, 'root', basename(deb)))
  const install = inside(`apt-get update -q && apt-get install -y -q --no-install-recommends /root/${basename(deb)}`, 180_000)
  t.comment(`apt-get update + install: ${install.ms} ms`)
  if (!t.equal(install.code, 0, `apt-get install ./${basename(deb)}`)) {
    t.comment(install.out)
    return
  }
  // the hourly job's server: the chronyd on the host (the defaults file is a conffile: edited as an
  // admin would)
  t.equal(inside(`sed -i 's/^NTPSERVERS=.*/NTPSERVERS="${chronyd.spec}"/' /etc/default/tsntpdate`).code, 0)
  const query = inside(`/usr/sbin/tsntpdate -q ${chronyd.spec}`)
  t.equal(query.code, 0, `tsntpdate -q inside: ${query.out}`)

  t.test('installed: the timer, boot and resume units enabled; the timer active, its next run within the hour', async (t) => {
    for (const unit of UNITS) t.equal(inside(`systemctl is-enabled ${unit}`).out.trim(), 'enabled', `${unit} enabled`)
    t.equal(inside('systemctl is-active tsntpdate.timer').out.trim(), 'active', 'the timer is active')
    const next = inside('date -d "$(systemctl show -p NextElapseUSecRealtime --value tsntpdate.timer)" +%s; date +%s').out.trim().split('\n').map(Number)
    const [at = NaN, now = NaN] = next
    t.ok(at > now && at - now <= 3600 + 600, `next run in ${at - now} s: within the hour (OnCalendar=hourly, RandomizedDelaySec=10min)`)
  })

  t.test('systemctl start tsntpdate.service: exit 4, one clear line in the journal, no stack trace, bounded', async (t) => {
    const start = inside('systemctl start tsntpdate.service', 60_000)
    t.not(start.code, 0, 'the start fails: the container has no CAP_SYS_TIME')
    t.ok(start.ms < JOB_BOUND_MS, `the job ended in ${start.ms} ms (bound ${JOB_BOUND_MS} ms)`)
    t.equal(show('tsntpdate.service', 'ExecMainStatus'), '4', 'exit status 4: no permission to set the clock')
    t.equal(show('tsntpdate.service', 'Result'), 'exit-code')
    const journal = inside('journalctl -u tsntpdate.service -o cat --no-pager').out
    const lines = journal.split('\n').filter((l) => /no permission to set the clock/.test(l))
    t.equal(lines.length, 1, `one line says why:\n${journal}`)
    t.match(lines[0] ?? '', /CAP_SYS_TIME.*clock left untouched/)
    t.notMatch(journal, /^\s+at |\bError\b|node:internal|Uncaught|TypeError|ReferenceError/m, 'no stack trace')
  })

  t.test('reboot: the boot unit ran before time-sync.target; multi-user.target reached although the set failed', async (t) => {
    const stopped = stop()
    t.equal(stopped.code, 0, `container.sh stop: ${stopped.out}`)
    const again = boot()
    t.comment(`reboot: stop ${stopped.ms} ms, boot ${again.ms} ms\n${again.out}`)
    if (!t.equal(again.code, 0, `container.sh boot again: ${again.out}`)) return
    // the boot unit is a oneshot: done (failed) once multi-user.target is reached
    const userspace = monotonic('', 'UserspaceTimestampMonotonic')
    const bootStart = monotonic('tsntpdate-boot.service', 'ExecMainStartTimestampMonotonic')
    const bootExit = monotonic('tsntpdate-boot.service', 'ExecMainExitTimestampMonotonic')
    const timeSync = monotonic('time-sync.target', 'ActiveEnterTimestampMonotonic')
    const multiUser = monotonic('multi-user.target', 'ActiveEnterTimestampMonotonic')
    t.ok(bootStart > userspace, 'the boot unit ran in this boot')
    t.equal(show('tsntpdate-boot.service', 'ExecMainStatus'), '4', 'the boot unit ran the job, which could not set the clock (exit 4)')
    t.ok(timeSync > 0 && bootExit > 0 && bootExit <= timeSync, `the boot unit ended (${bootExit}) before time-sync.target was reached (${timeSync})`)
    t.ok(multiUser > 0, 'multi-user.target reached')
    const ms = (multiUser - userspace) / 1000
    t.ok(ms < BOOT_BOUND_MS, `multi-user.target ${ms.toFixed(0)} ms after systemd started (bound ${BOOT_BOUND_MS} ms)`)
    const journal = inside('journalctl -b -u tsntpdate-boot.service -o cat --no-pager').out
    t.equal(journal.split('\n').filter((l) => /no permission to set the clock/.test(l)).length, 1, `one line says why:\n${journal}`)
  })

  t.test('the resume unit is pulled in by every sleep target', async (t) => {
    const wantedBy = show('tsntpdate-resume.service', 'WantedBy').split(/\s+/)
    for (const target of SLEEP_TARGETS) {
      t.ok(wantedBy.includes(target), `WantedBy= ${target}`)
      t.match(inside(`systemctl list-dependencies --plain --no-pager ${target}`).out, /tsntpdate-resume\.service/, `${target} wants it`)
    }
  })

  t.test('timedatectl set-ntp false|true: stops and disables, enables and starts the timer', async (t) => {
    t.match(inside('timedatectl show').out, /^CanNTP=yes$/m, 'timedatectl knows the timer (ntp-units.d)')
    t.match(inside('timedatectl show').out, /^NTP=yes$/m, 'NTP=yes: the timer runs')
    t.equal(inside('timedatectl set-ntp false').code, 0)
    t.equal(inside('systemctl is-enabled tsntpdate.timer').out.trim(), 'disabled', 'set-ntp false: disabled')
    t.equal(inside('systemctl is-active tsntpdate.timer').out.trim(), 'inactive', 'set-ntp false: stopped')
    t.match(inside('timedatectl show').out, /^NTP=no$/m, 'NTP=no')
    t.equal(inside('timedatectl set-ntp true').code, 0)
    t.equal(inside('systemctl is-enabled tsntpdate.timer').out.trim(), 'enabled', 'set-ntp true: enabled')
    t.equal(inside('systemctl is-active tsntpdate.timer').out.trim(), 'active', 'set-ntp true: started')
    t.match(inside('timedatectl show').out, /^NTP=yes$/m, 'NTP=yes')
  })

  t.test('apt-get purge: everything stopped and removed, enablement links included', async (t) => {
    const purge = inside('apt-get purge -y -q tsntpdate', 120_000)
    if (!t.equal(purge.code, 0, 'apt-get purge tsntpdate')) t.comment(purge.out)
    t.notMatch(inside("dpkg-query -W -f='${Status}' tsntpdate").out, /installed/, 'dpkg knows nothing of it')
    t.equal(inside("systemctl list-units --all --plain --no-legend 'tsntpdate*'").out.trim(), '', 'no unit loaded, active or failed')
    const left = inside('find /etc/systemd /usr/lib/systemd/ /lib/systemd/ /etc/default /etc/cron.hourly /usr/lib/tsntpdate /var/lib/tsntpdate -name "*tsntpdate*" 2>/dev/null; true')
    t.equal(left.out.trim(), '', 'no tsntpdate file under /etc/systemd, /usr/lib/systemd, /etc/default, /etc/cron.hourly, /var/lib')
  })
}
