/** Reads what src/host/time-daemon.ts judges: the processes in /proc, their accounts, the kernel's adjtimex status and whether every daemon would show. */
import { readdirSync, readlinkSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { readTimex } from '../kernel/timex.js'
import { isOwnMark } from '../../host/sync-mark.js'
import { markClocks, readMarkRecord } from './mark-synchronised.js'
import { daemonVisibility } from './daemon-visibility.js'
import { readText } from '../files/read-text.js'
import {
  ALL_VISIBLE,
  findTimeDaemon,
  isTimeDaemonName,
  kernelKeptSynchronised,
  userWritable,
  type KernelClock,
  type PathEntry,
  type ProcessInfo,
  type RunningDaemon,
  type Visibility,
} from '../../host/time-daemon.js'

export interface TimeDaemonSources {
  /** where procfs is mounted (default /proc); tests point it at a made-up tree */
  procRoot?: string
  /** default: kernelClock (adjtimex) */
  readKernel?: () => KernelClock | undefined
  /** where tsntpdate's last mark of the kernel is recorded (default io/host/mark-synchronised.ts's) */
  markRecord?: string
  /** default: daemonVisibility() (io/host/daemon-visibility.ts) */
  visibility?: () => Visibility
  /** the account names of uids (default /etc/passwd) */
  passwd?: string
}

export function findRunningTimeDaemon(sources: TimeDaemonSources = {}): RunningDaemon | undefined {
  const ownMark = (kernel: KernelClock) => {
    const record = readMarkRecord(sources.markRecord)
    return record !== undefined && isOwnMark(kernel, record, markClocks())
  }
  const kernel = (sources.readKernel ?? kernelClock)()
  // whether a daemon could hide matters only where the kernel says the clock is kept
  const visibility = kernel && kernelKeptSynchronised(kernel) ? (sources.visibility ?? daemonVisibility)() : ALL_VISIBLE
  return findTimeDaemon(readProcesses(sources.procRoot ?? '/proc', sources.passwd), kernel, visibility, ownMark)
}

/**
 * Every process whose command name is a time daemon's, with its argv; the others without
 * (reading every cmdline would only cost time). A process that exits meanwhile is left out.
 */
export function readProcesses(procRoot: string, passwd = '/etc/passwd'): ProcessInfo[] {
  let entries: string[]
  try {
    entries = readdirSync(procRoot)
  } catch {
    return [] // no procfs: only the kernel's word is left (io/host/daemon-visibility.ts says so)
  }
  const processes: ProcessInfo[] = []
  let accounts: Map<number, string> | undefined
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readText(join(procRoot, entry, 'stat'))
    const parsed = stat === undefined ? undefined : parseStat(stat)
    if (!parsed) continue
    if (!isTimeDaemonName(parsed.comm)) {
      processes.push({ pid: Number(entry), ...parsed, argv: undefined })
      continue
    }
    const dir = join(procRoot, entry)
    const uid = readUid(dir)
    const account = uid === undefined ? undefined : (accounts ??= readAccounts(passwd)).get(uid)
    processes.push({ pid: Number(entry), ...parsed, argv: readArgv(join(dir, 'cmdline')), uid, account, executable: readExecutable(dir) })
  }
  return processes
}

/** uid → name from a passwd file (`name:x:uid:…`); where names repeat a uid, the first. */
function readAccounts(passwd: string): Map<number, string> {
  const accounts = new Map<number, string>()
  for (const line of (readText(passwd) ?? '').split('\n')) {
    const [name, , uid] = line.split(':')
    if (name && uid && /^\d+$/.test(uid) && !accounts.has(Number(uid))) accounts.set(Number(uid), name)
  }
  return accounts
}

/** `812 (chronyd) S 1 …`: the name sits between the first '(' and the last ')' (it may hold either). */
export function parseStat(stat: string): { comm: string; state: string } | undefined {
  const open = stat.indexOf('(')
  const close = stat.lastIndexOf(')')
  if (open < 0 || close < open) return undefined
  return { comm: stat.slice(open + 1, close), state: stat.slice(close + 2, close + 3) }
}

/** The real uid: the first number of status's `Uid:` line. */
function readUid(processDir: string): number | undefined {
  const uid = /^Uid:\s+(\d+)/m.exec(readText(join(processDir, 'status')) ?? '')?.[1]
  return uid === undefined ? undefined : Number(uid)
}

/** Where exe points (a program since replaced reads `PATH (deleted)`), and every entry of that path. */
function readExecutable(processDir: string): ProcessInfo['executable'] {
  let path: string
  try {
    path = readlinkSync(join(processDir, 'exe')).replace(/ \(deleted\)$/, '')
  } catch {
    return undefined
  }
  const entries: PathEntry[] = []
  for (let at = path; ; at = dirname(at)) {
    try {
      const { uid, mode } = statSync(at)
      entries.push({ uid, mode })
    } catch {
      // gone (a deleted program): its directories still tell
    }
    if (dirname(at) === at) break
  }
  return { path, userWritable: userWritable(entries) }
}

function readArgv(path: string): string[] | undefined {
  const text = readText(path)
  if (text === undefined) return undefined
  const argv = text.split('\0')
  if (argv.at(-1) === '') argv.pop()
  return argv
}

/** The kernel's NTP status; modes 0 only reads, which needs no privilege. Undefined if refused. */
export function kernelClock(): KernelClock | undefined {
  const timex = readTimex()
  if (timex?.status === undefined || timex.maxerror === undefined) return undefined
  return { status: timex.status, maxErrorMicros: timex.maxerror }
}
