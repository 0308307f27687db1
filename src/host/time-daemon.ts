/**
 * Is a time daemon keeping this clock? Pure: from a process list, the kernel's NTP status
 * (adjtimex) and whether every daemon would show in that list, to the daemon to name, or
 * undefined. The rule:
 *
 * 1. A process that may discipline the clock: one of DAEMONS, except a chronyd started with -x
 *    (never touches the clock; the test servers) or -Q (prints the offset and exits).
 *    Matched by the kernel's command name (comm), which a process cannot change by rewriting
 *    its argv, and which is cut to 15 characters. Since any user can name a process `ntpd` (and
 *    a setuid program run through a link so named runs as root), it counts only if it runs as
 *    root or as that daemon's own account (`_chrony`, `ntpsec`, …: only root and the daemon can
 *    start a process as it), from the daemon's program (by its file name, wherever a distribution
 *    puts it) in a place no ordinary user could have put it (not /tmp or a home directory).
 *    Another user's /proc/PID/exe cannot be read without CAP_SYS_PTRACE (the hardened units):
 *    then root's and the daemon account's count, and nobody else's.
 * 2. Else the kernel's word, where a daemon may not show as a process: inside a container (the
 *    host's daemon), or where /proc hides other users' processes or cannot be read. Elsewhere
 *    every daemon is a process above; a synchronised kernel with none is what a stopped daemon
 *    left (ntpd, chronyd with rtcsync), and nothing keeps the clock. The word: the clock is marked
 *    synchronised (STA_UNSYNC clear) and someone said so recently. Only daemons clear STA_UNSYNC;
 *    the kernel sets it again once its error bound, which grows by 500 µs every second without an
 *    update, reaches 16 s (~9 h). A daemon that stopped without setting it leaves it clear, so the
 *    bound must also be fresh: at most FRESH_WITHIN_SECONDS' growth, twice the longest default
 *    poll interval (timesyncd's 2048 s). tsntpdate's own mark after a set (sync-mark.ts) is that
 *    state too: it is excused while the kernel shows nothing newer.
 */
import { MAXERROR_GROWTH_MICROS_PER_SECOND, STA_UNSYNC, STATUS_BITS, type KernelClock } from './kernel-clock.js'

export interface ProcessInfo {
  pid: number
  /** the kernel's command name (/proc/PID/comm), at most 15 characters */
  comm: string
  /** the state letter of /proc/PID/stat: Z and X are gone already */
  state: string
  /** /proc/PID/cmdline split at NULs (empty while the process exits); undefined when unreadable */
  argv: readonly string[] | undefined
  /** the real user id (/proc/PID/status); undefined when unreadable */
  uid?: number | undefined
  /** that uid's account name (/etc/passwd); undefined when it has none */
  account?: string | undefined
  /** where /proc/PID/exe points, judged: an ordinary user could have put it there or not; undefined when unreadable */
  executable?: { path: string; userWritable: boolean } | undefined
}

/** A file or directory on an executable's path, as stat(2) gives it. */
export interface PathEntry {
  uid: number
  mode: number
}

/**
 * Whether an ordinary user could have placed an executable: some entry of its path (the file, its
 * directory, each parent up to /) is not root's, or can be written by group or others (/tmp is
 * 1777: writable, sticky or not).
 */
export function userWritable(entries: readonly PathEntry[]): boolean {
  return entries.some((e) => e.uid !== 0 || (e.mode & 0o022) !== 0)
}

export type RunningDaemon = { evidence: 'process'; processes: readonly { name: string; pid: number }[]; description: string } | { evidence: 'kernel'; kernel: KernelClock; description: string }

interface KnownDaemon {
  name: string
  /** the accounts it drops to, as its packages create them (Debian, Ubuntu, Fedora, Arch) */
  accounts: readonly string[]
  /** the file names of its program (/usr/sbin, /usr/bin or a store path: distributions differ) */
  programs: readonly string[]
  /** why this process does not touch the clock, from its arguments; undefined: it may */
  harmless?: (args: readonly string[]) => string | undefined
}

/** chronyd's getopt string (chrony 4.x main.c): the letters that take a value. */
const CHRONYD_VALUED_OPTIONS = 'fFlLPtu'

export const DAEMONS: readonly KnownDaemon[] = [
  {
    name: 'chronyd',
    accounts: ['_chrony', 'chrony'],
    programs: ['chronyd'],
    harmless: (args) => {
      const letters = shortOptions(args, CHRONYD_VALUED_OPTIONS)
      if (letters.has('x')) return '-x: never touches the clock'
      if (letters.has('Q')) return '-Q: prints the offset only'
      return undefined
    },
  },
  // ntp.org's, NTPsec's, OpenNTPD's portable build, BusyBox's applet
  { name: 'ntpd', accounts: ['ntp', 'ntpsec', '_ntp', 'ntpd'], programs: ['ntpd', 'busybox'] },
  { name: 'openntpd', accounts: ['ntpd', '_ntp', 'openntpd'], programs: ['openntpd', 'ntpd'] }, // as Debian installs it
  { name: 'systemd-timesyncd', accounts: ['systemd-timesync'], programs: ['systemd-timesyncd'] },
  { name: 'ntp-daemon', accounts: ['ntpd-rs'], programs: ['ntp-daemon'] }, // ntpd-rs
  { name: 'phc2sys', accounts: [], programs: ['phc2sys'] }, // linuxptp: steers CLOCK_REALTIME from a PTP hardware clock by default
]

/** The kernel's TASK_COMM_LEN is 16 with the NUL: longer names show cut. */
const COMM_LENGTH = 15

export type { KernelClock }

export const FRESH_WITHIN_SECONDS = 4096

/** Whether a command name is one of DAEMONS (so its argv is worth reading). */
export function isTimeDaemonName(comm: string): boolean {
  return knownDaemon(comm) !== undefined
}

/**
 * Whether every time daemon would show here as a process; where not, why (`in a docker
 * container`, `/proc hides other users' processes (hidepid=2)`): then the kernel's word counts.
 */
export interface Visibility {
  hiddenBecause: string | undefined
}

export const ALL_VISIBLE: Visibility = { hiddenBecause: undefined }

/** `ownMark`: whether the kernel's synchronised state is only what tsntpdate's last set left (sync-mark.ts) */
export function findTimeDaemon(
  processes: readonly ProcessInfo[],
  kernel: KernelClock | undefined,
  visibility: Visibility,
  ownMark: (kernel: KernelClock) => boolean = () => false,
): RunningDaemon | undefined {
  const found = processes.flatMap((p) => {
    const daemon = knownDaemon(p.comm)
    if (!daemon || p.state === 'Z' || p.state === 'X') return []
    // an empty cmdline: the process is exiting and its memory is gone (a chronyd -x test server
    // being stopped reads so for a moment before it is a zombie)
    if (p.argv?.length === 0) return []
    // argv unreadable: its options are unknown, so it may well discipline the clock
    if (p.argv && daemon.harmless?.(p.argv.slice(1)) !== undefined) return []
    if (!runsAsDaemon(p, daemon)) return []
    return [{ name: daemon.name, pid: p.pid }]
  })
  if (found.length > 0) return { evidence: 'process', processes: found, description: describeProcesses(found) }
  const hidden = visibility.hiddenBecause
  if (hidden !== undefined && kernel && kernelKeptSynchronised(kernel) && !ownMark(kernel)) {
    return { evidence: 'kernel', kernel, description: describeKernel(kernel, hidden) }
  }
  return undefined
}

/**
 * Root's or the daemon's own account's, from the daemon's program where no user could have
 * placed it (where the program cannot be read, the account alone says). A uid that could not be
 * read is a process gone meanwhile.
 */
function runsAsDaemon(p: ProcessInfo, daemon: KnownDaemon): boolean {
  if (p.uid === undefined) return false
  const program = p.executable
  if (program && (program.userWritable || !daemon.programs.includes(fileName(program.path)))) return false
  return p.uid === 0 || (p.account !== undefined && daemon.accounts.includes(p.account))
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** The kernel's clock is marked synchronised, by an update at most FRESH_WITHIN_SECONDS ago. */
export function kernelKeptSynchronised(kernel: KernelClock): boolean {
  return (kernel.status & STA_UNSYNC) === 0 && updatedWithinSeconds(kernel) <= FRESH_WITHIN_SECONDS
}

/** `STA_PLL | STA_NANO` as `0x2001 (PLL NANO)`. */
export function describeStatus(status: number): string {
  const names = STATUS_BITS.filter(([bit]) => (status & bit) !== 0).map(([, name]) => name)
  return `0x${status.toString(16).padStart(4, '0')}${names.length > 0 ? ` (${names.join(' ')})` : ''}`
}

function knownDaemon(comm: string): KnownDaemon | undefined {
  return DAEMONS.find((d) => d.name.slice(0, COMM_LENGTH) === comm)
}

/** Seconds since the error bound was last set, at most: it was set to 0 or more. */
function updatedWithinSeconds(kernel: KernelClock): number {
  return kernel.maxErrorMicros / MAXERROR_GROWTH_MICROS_PER_SECOND
}

/** `chronyd (pid 812)`, `ntpd (pids 90, 91), systemd-timesyncd (pid 77)` */
function describeProcesses(found: readonly { name: string; pid: number }[]): string {
  const pidsByName = new Map<string, number[]>()
  for (const { name, pid } of found) pidsByName.set(name, [...(pidsByName.get(name) ?? []), pid])
  return [...pidsByName].map(([name, pids]) => `${name} (pid${pids.length > 1 ? 's' : ''} ${pids.join(', ')})`).join(', ')
}

function describeKernel(kernel: KernelClock, hiddenBecause: string): string {
  const maxError = kernel.maxErrorMicros / 1e6
  return (
    `the kernel says its clock is kept synchronised (adjtimex status ${describeStatus(kernel.status)}, ` +
    `max error ${maxError.toFixed(6)} s, so updated at most ${Math.ceil(updatedWithinSeconds(kernel))} s ago), ` +
    `by a daemon not visible here (${hiddenBecause})`
  )
}

/**
 * The short option letters in `args` as GNU getopt reads them: bundles (`-dx`), a valued letter
 * takes the rest of its word or the next word, operands are skipped (getopt permutes them), `--`
 * ends the options.
 */
function shortOptions(args: readonly string[], valued: string): Set<string> {
  const letters = new Set<string>()
  let takesNext = false
  for (const word of args) {
    if (takesNext) {
      takesNext = false
      continue
    }
    if (word === '--') break
    if (!/^-[^-]/.test(word)) continue
    for (const [j, letter] of [...word].entries()) {
      if (j === 0) continue
      letters.add(letter)
      if (valued.includes(letter)) {
        takesNext = j === word.length - 1
        break
      }
    }
  }
  return letters
}
