import t from 'tap'
import { failureLine } from '../../../src/report/format.js'
import { server } from '../../helpers/unit.js'
import {
  describeStatus,
  findTimeDaemon,
  FRESH_WITHIN_SECONDS,
  isTimeDaemonName,
  kernelKeptSynchronised,
  ALL_VISIBLE,
  type Visibility,
  type KernelClock,
  type ProcessInfo,
  userWritable,
} from '../../../src/host/time-daemon.js'

const STA_PLL = 0x0001
const STA_UNSYNC = 0x0040
const STA_NANO = 0x2000

/** What this project's machine reported (adjtimex, 2026-11): nobody disciplines its clock. */
const IDLE_KERNEL: KernelClock = { status: STA_UNSYNC, maxErrorMicros: 16_000_000 }
/** A daemon updated the kernel 24 s ago and called the clock synchronised. */
const KEPT_KERNEL: KernelClock = { status: STA_PLL | STA_NANO, maxErrorMicros: 12_000 }

/** A container (docker): its host's daemon cannot be seen from here, only its kernel word. */
const IN_DOCKER: Visibility = { hiddenBecause: 'in a docker container' }

function proc(pid: number, comm: string, argv: readonly string[] | undefined = [comm], state = 'S'): ProcessInfo {
  return { pid, comm, state, argv, uid: 0 }
}

const PLAIN = [proc(1, 'systemd', ['/sbin/init']), proc(300, 'sshd', ['sshd: /usr/sbin/sshd -D']), proc(400, 'node', ['node', 'x.js'])]

t.test('no daemon, an idle kernel: none', async (t) => {
  t.equal(findTimeDaemon(PLAIN, IDLE_KERNEL, IN_DOCKER), undefined)
  t.equal(findTimeDaemon([], undefined, IN_DOCKER), undefined, 'nothing known at all')
})

t.test('chronyd -x never touches the clock: ignored, however -x is spelled', async (t) => {
  const servers = [
    ['/usr/sbin/chronyd', '-x', '-d', '-4', '-t', '900', '-f', '/tmp/a/chronyd.conf'], // test/helpers/chronyd.ts
    ['chronyd', '-dx', '-f', '/tmp/c.conf'],
    ['chronyd', '-4dxf', '/tmp/c.conf'],
    ['chronyd', '-f', '/tmp/c.conf', 'port 11123', '-x'], // GNU getopt permutes: an option after an operand counts
    ['chronyd', '-Q', 'server 127.0.0.1 iburst'], // prints the offset and exits
  ]
  for (const argv of servers) t.equal(findTimeDaemon([...PLAIN, proc(812, 'chronyd', argv)], IDLE_KERNEL, IN_DOCKER), undefined, argv.join(' '))
})

t.test('chronyd without -x may discipline the clock: counted, with its pid', async (t) => {
  const keepers = [
    ['/usr/sbin/chronyd', '-F', '1'],
    ['chronyd', '-d'],
    ['chronyd', '-q', 'server 127.0.0.1 iburst'], // sets the clock once
    ['chronyd', '-u', '-x'], // '-x' is -u's value (the user name)
    ['chronyd', '-f-x'], // the config file is named '-x'
    ['chronyd', '--', '-x'], // after '--', a config directive
    ['chronyd', 'x'],
  ]
  for (const argv of keepers) {
    const found = findTimeDaemon([...PLAIN, proc(812, 'chronyd', argv)], IDLE_KERNEL, IN_DOCKER)
    t.same(found, { evidence: 'process', processes: [{ name: 'chronyd', pid: 812 }], description: 'chronyd (pid 812)' }, argv.join(' '))
  }
})

t.test('a chronyd whose argv could not be read is counted: its options are unknown', async (t) => {
  t.equal(findTimeDaemon([proc(812, 'chronyd', undefined)], IDLE_KERNEL, IN_DOCKER)?.description, 'chronyd (pid 812)')
})

t.test('ntpd (ntp.org, NTPsec, OpenNTPD, BusyBox) is counted whatever its options', async (t) => {
  for (const argv of [['/usr/sbin/ntpd', '-p', '/run/ntpd.pid', '-g', '-u', '105:110'], ['ntpd', '-x', '-n'], ['ntpd: ntp engine'], ['ntpd', '-q']]) {
    t.equal(findTimeDaemon([proc(90, 'ntpd', argv)], IDLE_KERNEL, IN_DOCKER)?.description, 'ntpd (pid 90)', argv.join(' '))
  }
})

t.test('systemd-timesyncd, whose command name the kernel cuts to 15 characters', async (t) => {
  t.equal('systemd-timesyn'.length, 15)
  const found = findTimeDaemon([proc(77, 'systemd-timesyn', ['/lib/systemd/systemd-timesyncd'])], IDLE_KERNEL, IN_DOCKER)
  t.equal(found?.description, 'systemd-timesyncd (pid 77)', 'named in full')
  t.equal(findTimeDaemon([proc(77, 'systemd-timesyncd', [])], IDLE_KERNEL, IN_DOCKER), undefined, 'no comm is 17 characters long')
})

t.test('openntpd, ntpd-rs and phc2sys are counted', async (t) => {
  for (const [comm, name] of [
    ['openntpd', 'openntpd'],
    ['ntp-daemon', 'ntp-daemon'],
    ['phc2sys', 'phc2sys'],
  ]) {
    t.equal(findTimeDaemon([proc(5, comm!)], undefined, IN_DOCKER)?.description, `${name} (pid 5)`)
  }
})

t.test('names are matched exactly, by comm', async (t) => {
  for (const comm of ['chronyc', 'ntpdate', 'ntpdig', 'sntp', 'tsntpdate', 'xntpd', 'ntpd2', 'Chronyd', 'timesyncd']) {
    t.equal(findTimeDaemon([proc(5, comm)], IDLE_KERNEL, IN_DOCKER), undefined, comm)
    t.equal(isTimeDaemonName(comm), false)
  }
  // argv[0] is the process's to rewrite; comm is the name it was started as
  t.equal(findTimeDaemon([proc(5, 'sleep', ['ntpd'])], IDLE_KERNEL, IN_DOCKER), undefined, 'argv[0] alone does not make a daemon')
})

t.test('zombies and exiting processes do not count', async (t) => {
  t.equal(findTimeDaemon([proc(90, 'ntpd', ['ntpd'], 'Z'), proc(91, 'chronyd', ['chronyd'], 'X')], IDLE_KERNEL, IN_DOCKER), undefined)
  // exit_mm() has run: cmdline reads empty while the state is still R or D, -x no longer visible
  t.equal(findTimeDaemon([proc(92, 'chronyd', [], 'R'), proc(93, 'ntpd', [], 'D')], IDLE_KERNEL, IN_DOCKER), undefined)
})

t.test('several daemons: every one named, pids grouped by name, in /proc order', async (t) => {
  const found = findTimeDaemon(
    [proc(90, 'ntpd', ['ntpd']), proc(91, 'ntpd', ['ntpd: ntp engine']), proc(95, 'chronyd', ['chronyd', '-x']), proc(120, 'systemd-timesyn'), proc(92, 'ntpd', ['ntpd: dns engine'])],
    KEPT_KERNEL,
    IN_DOCKER,
  )
  t.equal(found?.evidence, 'process', 'a process named beats the kernel word')
  t.equal(found?.description, 'ntpd (pids 90, 91, 92), systemd-timesyncd (pid 120)')
})

t.test('the kernel: synchronised and freshly updated counts when no daemon is visible', async (t) => {
  const found = findTimeDaemon(PLAIN, KEPT_KERNEL, IN_DOCKER)
  t.equal(found?.evidence, 'kernel')
  t.equal(
    found?.description,
    'the kernel says its clock is kept synchronised (adjtimex status 0x2001 (PLL NANO), max error 0.012000 s, ' + 'so updated at most 24 s ago), by a daemon not visible here (in a docker container)',
  )
})

t.test('the kernel: unsynchronised, or synchronised but stale, does not count', async (t) => {
  const cases: [string, KernelClock, boolean][] = [
    ['this machine: UNSYNC, max error 16 s', IDLE_KERNEL, false],
    ['UNSYNC though the PLL is on (a daemon starting up)', { status: STA_PLL | STA_UNSYNC, maxErrorMicros: 1_000 }, false],
    ['synchronised, max error 0', { status: 0, maxErrorMicros: 0 }, true],
    ['synchronised, updated at the edge of freshness', { status: STA_PLL, maxErrorMicros: FRESH_WITHIN_SECONDS * 500 }, true],
    ['synchronised but not updated for longer (a daemon that stopped)', { status: STA_PLL, maxErrorMicros: FRESH_WITHIN_SECONDS * 500 + 1 }, false],
    ['synchronised, bound at the kernel limit', { status: STA_PLL, maxErrorMicros: 16_000_000 }, false],
  ]
  for (const [what, kernel, kept] of cases) {
    t.equal(kernelKeptSynchronised(kernel), kept, what)
    t.equal(findTimeDaemon(PLAIN, kernel, IN_DOCKER)?.evidence, kept ? 'kernel' : undefined, what)
  }
  t.equal(FRESH_WITHIN_SECONDS, 4096, 'twice the longest default poll interval (systemd-timesyncd: 2048 s)')
})

t.test('the kernel unreadable: the processes alone decide', async (t) => {
  t.equal(findTimeDaemon(PLAIN, undefined, IN_DOCKER), undefined)
  t.equal(findTimeDaemon([proc(90, 'ntpd')], undefined, IN_DOCKER)?.description, 'ntpd (pid 90)')
})

t.test('describeStatus names the bits', async (t) => {
  t.equal(describeStatus(0x0040), '0x0040 (UNSYNC)')
  t.equal(describeStatus(0x2001), '0x2001 (PLL NANO)')
  t.equal(describeStatus(0), '0x0000')
  t.equal(describeStatus(0x000e), '0x000e (PPSFREQ PPSTIME FLL)')
})

t.test('the refusal is one line naming the daemon and the way out', async (t) => {
  const found = findTimeDaemon([proc(812, 'chronyd', ['chronyd'])], undefined, IN_DOCKER)!
  t.equal(
    failureLine({ kind: 'daemon-keeps-clock', daemon: found, server: server('10.0.0.1'), method: 'step', offset: 1 }),
    'refusing to step the clock while a time daemon runs: chronyd (pid 812); clock left untouched (--force overrides)',
  )
  const kernel = failureLine({ kind: 'daemon-keeps-clock', daemon: findTimeDaemon([], KEPT_KERNEL, IN_DOCKER)!, server: server('10.0.0.1'), method: 'slew', offset: 0.1 })
  t.match(kernel, /^refusing to slew the clock while a time daemon runs: the kernel says /)
  t.notMatch(kernel, /\n/)
})

t.test("a process named like a daemon counts only if root's, or its own account's from its installed program (issue 22, point 2)", async (t) => {
  const ntpd = (extra: Partial<ProcessInfo>): ProcessInfo => ({ pid: 77, comm: 'ntpd', state: 'S', argv: ['/usr/sbin/ntpd'], ...extra })
  const installed = { path: '/usr/sbin/ntpd', userWritable: false }
  const found = (p: ProcessInfo) => findTimeDaemon([p], undefined, ALL_VISIBLE)?.description
  t.equal(found(ntpd({ uid: 0, executable: installed })), 'ntpd (pid 77)', 'root, /usr/sbin')
  t.equal(found(ntpd({ uid: 0, executable: undefined })), 'ntpd (pid 77)', 'root, its program unreadable')
  t.equal(found(ntpd({ uid: 0, executable: { path: '/opt/ntp/ntpd', userWritable: false } })), 'ntpd (pid 77)', 'root, a program only root could place')
  t.equal(found(ntpd({ uid: 0, executable: { path: '/tmp/ntpd', userWritable: true } })), undefined, 'root running a program from /tmp')
  t.equal(found(ntpd({ uid: 108, account: 'ntpsec', executable: installed })), 'ntpd (pid 77)', "ntpsec's own account, its installed program")
  t.equal(found(ntpd({ uid: 108, account: 'ntpsec', executable: undefined })), 'ntpd (pid 77)', "ntpsec's account, the program unreadable (only root and ntpsec start such a process)")
  t.equal(found(ntpd({ uid: 108, account: 'ntpsec', executable: { path: '/bin/sleep', userWritable: false } })), undefined, "the daemon's account running another program")
  t.equal(found(ntpd({ uid: 33, account: 'www-data', executable: installed })), undefined, 'www-data, even through a link to the real program')
  t.equal(found(ntpd({ uid: 33, account: 'www-data', executable: undefined })), undefined, 'www-data, its program unreadable (the hardened units)')
  t.equal(found(ntpd({ uid: 999, account: undefined, executable: undefined })), undefined, 'a uid without an account')
  t.equal(found(ntpd({ uid: 1000, account: 'alice', executable: installed })), undefined, 'an ordinary user')
  t.equal(found(ntpd({ uid: 65534, account: 'nobody', executable: installed })), undefined, 'nobody')
  t.equal(found(ntpd({ uid: undefined, executable: undefined })), undefined, 'a uid that could not be read: the process is gone (else a user racing exits could count)')
  t.equal(found(ntpd({ uid: 0, executable: { path: '/usr/bin/sudo', userWritable: false } })), undefined, "root, but not the daemon's program (a setuid program run through a link named ntpd)")
  t.equal(found(ntpd({ uid: 0, executable: { path: '/bin/busybox', userWritable: false } })), 'ntpd (pid 77)', "BusyBox's ntpd applet")
  const chronyd = (account: string) => ({ pid: 9, comm: 'chronyd', state: 'S', argv: ['/usr/sbin/chronyd', '-F', '1'], uid: 100, account, executable: undefined })
  t.equal(findTimeDaemon([chronyd('_chrony')], undefined, ALL_VISIBLE)?.description, 'chronyd (pid 9)', "Debian's _chrony")
  t.equal(findTimeDaemon([chronyd('ntpsec')], undefined, ALL_VISIBLE), undefined, "another daemon's account")
  const arch = { ...chronyd('chrony'), executable: { path: '/usr/bin/chronyd', userWritable: false } }
  t.equal(findTimeDaemon([arch], undefined, ALL_VISIBLE)?.description, 'chronyd (pid 9)', "Arch's and Fedora's chrony in /usr/bin")
  const timesyncd = {
    pid: 5,
    comm: 'systemd-timesyn',
    state: 'S',
    argv: ['/lib/systemd/systemd-timesyncd'],
    uid: 997,
    account: 'systemd-timesync',
    executable: { path: '/lib/systemd/systemd-timesyncd', userWritable: false },
  }
  t.equal(findTimeDaemon([timesyncd], undefined, ALL_VISIBLE)?.description, 'systemd-timesyncd (pid 5)', 'timesyncd as systemd-timesync')
})

t.test('the kernel word counts only in a container: on a host a synchronised kernel with no daemon is what a stopped daemon left (issue 22, point 1)', async (t) => {
  t.equal(findTimeDaemon(PLAIN, KEPT_KERNEL, ALL_VISIBLE), undefined, 'the host: the set goes ahead (ntpd or chronyd just stopped)')
  t.equal(findTimeDaemon(PLAIN, { status: 0, maxErrorMicros: 0 }, ALL_VISIBLE), undefined, 'even with max error 0')
  t.equal(findTimeDaemon(PLAIN, KEPT_KERNEL, IN_DOCKER)?.evidence, 'kernel', 'a container: the host may run one')
  t.equal(findTimeDaemon(PLAIN, KEPT_KERNEL, { hiddenBecause: 'in a systemd-nspawn container' })?.description.endsWith('(in a systemd-nspawn container)'), true, 'the container named')
  t.equal(findTimeDaemon(PLAIN, KEPT_KERNEL, { hiddenBecause: "/proc hides other users' processes (hidepid=2)" })?.evidence, 'kernel', 'a /proc that hides processes: the kernel word counts too')
  t.equal(findTimeDaemon([proc(90, 'ntpd')], KEPT_KERNEL, ALL_VISIBLE)?.evidence, 'process', 'a daemon process still counts on the host')
})

t.test("userWritable: any entry of the path not root's, or writable by group or others", async (t) => {
  t.equal(
    userWritable([
      { uid: 0, mode: 0o100755 },
      { uid: 0, mode: 0o40755 },
      { uid: 0, mode: 0o40755 },
    ]),
    false,
    '/usr/sbin/ntpd',
  )
  t.equal(
    userWritable([
      { uid: 0, mode: 0o100755 },
      { uid: 0, mode: 0o41777 },
      { uid: 0, mode: 0o40755 },
    ]),
    true,
    '/tmp/ntpd (1777)',
  )
  t.equal(
    userWritable([
      { uid: 1000, mode: 0o100755 },
      { uid: 1000, mode: 0o40700 },
      { uid: 0, mode: 0o40755 },
    ]),
    true,
    '/home/u/ntpd',
  )
  t.equal(
    userWritable([
      { uid: 0, mode: 0o100775 },
      { uid: 0, mode: 0o40755 },
    ]),
    true,
    'a group-writable program',
  )
})
