/**
 * A real rsyslogd for the syslog tests, private to one test: its own config, pid file, work dir
 * and output file in a temp dir; never the host's /dev/log or /etc/rsyslog.conf.
 *
 *   const rs = await startRsyslogd(t, { address: '127.0.10.1' })
 *   await runCli(['-s', …], { prefix: rs.withDevLog })          // libc syslog(3) → rs.devLog
 *   const entry = await rs.waitFor(/adjust time server/)          // { facility, severity, app, pid, msg, … }
 *
 * Inputs: imuxsock on `devLog` (a private Unix socket), imudp and imtcp on `address`.
 * Every message is written to `logFile`, one line each, in the LINE_FORMAT below, so tests can
 * assert facility, severity, input, protocol version, app name, pid and text. Readiness is
 * proven by a probe message through each input; probe lines are left out of lines()/entries().
 *
 * libc's syslog(3) always writes to /dev/log. `withDevLog` is a command prefix that runs the
 * command in a private mount namespace whose /dev is a fresh tmpfs holding null, zero, full,
 * random, urandom (bound from the real /dev) and `log` (bound to devLog): nothing is created on
 * the host's /dev, so parallel test files cannot disturb each other. Needs root (unshare).
 * See /work/shared/TESTBED.md, "Syslog end to end".
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Teardown } from './teardown.js'
import { watchExit } from './child-exit.js'
import { sleep, within } from './waiting.js'

export const RSYSLOGD = existsSync('/usr/sbin/rsyslogd') ? '/usr/sbin/rsyslogd' : 'rsyslogd'
const LOGGER = existsSync('/usr/bin/logger') ? '/usr/bin/logger' : 'logger'
const UNSHARE = existsSync('/usr/bin/unshare') ? '/usr/bin/unshare' : 'unshare'

const READY_TIMEOUT_MS = 8_000
const PROBE_INTERVAL_MS = 100
const STOP_GRACE_MS = 3_000
const PROBE_APP = 'rsyslogd-probe'

export interface RsyslogdOptions {
  /** address for imudp and imtcp, from the test file's own loopback block, e.g. '127.0.10.1' */
  address: string
  /** default: a free port */
  udpPort?: number
  /** default: a free port (the same number as udpPort when both are free) */
  tcpPort?: number
}

/** One received message, as rsyslog parsed it. Empty fields are rsyslog's '-'. */
export interface LogEntry {
  /** 'daemon', 'local3', … */
  facility: string
  /** 'notice', 'err', … */
  severity: string
  /** 'imuxsock', 'imudp' or 'imtcp' */
  input: string
  /** '0' for RFC 3164 (and local syslog(3)), '1' for RFC 5424 */
  protocolVersion: string
  hostname: string
  app: string
  /** the sender's pid as the message states it ('-' when absent) */
  pid: string
  msgid: string
  /** the RFC 3164 tag, e.g. 'tsntpdate[834]:' */
  tag: string
  /** the message text */
  msg: string
  /** the whole line of logFile */
  line: string
}

export interface Rsyslogd {
  address: string
  udpPort: number
  tcpPort: number
  /** the private Unix socket imuxsock reads (what /dev/log is inside withDevLog) */
  devLog: string
  /** where every message lands, one LINE_FORMAT line each */
  logFile: string
  /** a command prefix (for runCli's `prefix`, or spawn): runs the rest with /dev/log = devLog; root only */
  withDevLog: readonly string[]
  /** the lines of logFile so far, without the readiness probes */
  lines(): string[]
  entries(): LogEntry[]
  /** the first entry whose line matches (or for which the predicate holds); rejects after timeoutMs (default 5 s) */
  waitFor(match: RegExp | ((entry: LogEntry) => boolean), timeoutMs?: number): Promise<LogEntry>
  stop(): Promise<void>
}

/** What one logFile line looks like: `key=value` fields, the message last. */
const LINE_FORMAT =
  'facility=%syslogfacility-text% severity=%syslogseverity-text% input=%inputname% ' +
  'proto=%protocol-version% host=%hostname% app=%app-name% pid=%procid% msgid=%msgid% tag=%syslogtag% ' +
  'msg=%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\\n'

const LINE = /^facility=(\S*) severity=(\S*) input=(\S*) proto=(\S*) host=(\S*) app=(\S*) pid=(\S*) msgid=(\S*) tag=(\S*) msg= (.*)$/

export function parseLogLine(line: string): LogEntry | undefined {
  const m = LINE.exec(line)
  if (!m) return undefined
  const [, facility, severity, input, protocolVersion, hostname, app, pid, msgid, tag, msg] = m as unknown as string[]
  return { facility: facility!, severity: severity!, input: input!, protocolVersion: protocolVersion!, hostname: hostname!, app: app!, pid: pid!, msgid: msgid!, tag: tag!, msg: msg!, line }
}

const running = new Set<ChildProcess>()
let exitHookInstalled = false

export async function startRsyslogd(t: Teardown, options: RsyslogdOptions): Promise<Rsyslogd> {
  const { address } = options
  const udpPort = options.udpPort ?? options.tcpPort ?? (await freePort(address))
  const tcpPort = options.tcpPort ?? udpPort
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-rsyslogd-'))
  const devLog = join(dir, 'devlog')
  const logFile = join(dir, 'messages')
  const pidFile = join(dir, 'rsyslogd.pid')
  const hostDev = join(dir, 'hostdev')
  mkdirSync(hostDev)
  const conf = join(dir, 'rsyslog.conf')
  writeFileSync(
    conf,
    [
      `global(workDirectory="${dir}" net.enableDNS="off")`,
      'module(load="imuxsock" SysSock.Use="off")',
      // UsePIDFromSystem off: the pid must be the one the message states (what syslog(3) sends)
      `input(type="imuxsock" Socket="${devLog}" CreatePath="off" RateLimit.Interval="0" UsePIDFromSystem="off")`,
      'module(load="imudp")',
      `input(type="imudp" address="${address}" port="${udpPort}")`,
      'module(load="imtcp")',
      `input(type="imtcp" address="${address}" port="${tcpPort}")`,
      `template(name="testLine" type="string" string="${LINE_FORMAT}")`,
      `action(type="omfile" file="${logFile}" template="testLine")`,
      '',
    ].join('\n'),
  )

  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.on('exit', () => running.forEach((child) => child.kill('SIGKILL')))
  }
  const child = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', pidFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  const exit = watchExit(child)

  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (!exit.hasExited()) {
        child.kill('SIGTERM')
        if (!(await within(exit.done, STOP_GRACE_MS))) {
          child.kill('SIGKILL')
          await exit.done
        }
      }
      running.delete(child)
      rmSync(dir, { recursive: true, force: true })
    })()
    return stopped
  }
  t.teardown(stop)

  const readLines = (): string[] => {
    try {
      return readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
    } catch {
      return []
    }
  }
  const entries = () =>
    readLines()
      .map(parseLogLine)
      .filter((e): e is LogEntry => e !== undefined && e.app !== PROBE_APP)

  const ready = await waitUntilReady({ address, udpPort, tcpPort, devLog, hasExited: exit.hasExited, readLines })
  if (ready !== 'ready') {
    await stop()
    const spawnError = exit.spawnError()
    if (spawnError) output += `could not spawn ${RSYSLOGD}: ${spawnError.message}\n`
    throw new Error(`rsyslogd did not start: ${ready}\n--- rsyslogd output ---\n${output.trim() || '(none)'}`)
  }

  return {
    address,
    udpPort,
    tcpPort,
    devLog,
    logFile,
    withDevLog: devLogPrefix(devLog, hostDev),
    lines: () => entries().map((e) => e.line),
    entries,
    async waitFor(match, timeoutMs = 5_000) {
      const test = typeof match === 'function' ? match : (e: LogEntry) => match.test(e.line)
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = entries().find(test)
        if (found) return found
        if (Date.now() > deadline) {
          throw new Error(`no syslog line matching ${String(match)} within ${timeoutMs} ms; got:\n${readLines().join('\n') || '(none)'}`)
        }
        await sleep(50)
      }
    },
    stop,
  }
}

/**
 * `unshare --mount sh -c SCRIPT …`: in a private mount namespace, /dev becomes a tmpfs with the
 * usual character devices bound from the real /dev and `log` bound to devLog, then the rest of
 * the command line is exec'd (same pid). `hostDev` is an empty directory used as a mount point
 * inside the namespace only.
 */
export function devLogPrefix(devLog: string, hostDev: string): string[] {
  const script = [
    'set -e',
    'devlog=$1; hostdev=$2; shift 2',
    'mount --bind /dev "$hostdev"',
    'mount -t tmpfs -o mode=0755 tsntpdate-test-dev /dev',
    'for node in null zero full random urandom; do touch "/dev/$node"; mount --bind "$hostdev/$node" "/dev/$node"; done',
    'ln -s /proc/self/fd /dev/fd',
    'touch /dev/log',
    'mount --bind "$devlog" /dev/log',
    'umount -l "$hostdev"',
    'exec "$@"',
  ].join('\n')
  return [UNSHARE, '--mount', '--', 'sh', '-c', script, 'sh', devLog, hostDev]
}

/** Why the /dev/log capture cannot run here, or undefined when it can (it needs root for unshare). */
export function devLogUnavailable(): string | undefined {
  return process.getuid?.() === 0 ? undefined : 'needs root (unshare --mount, mount --bind over /dev/log)'
}

interface ReadyCheck {
  address: string
  udpPort: number
  tcpPort: number
  devLog: string
  hasExited: () => boolean
  readLines: () => string[]
}

/** Sends a probe through each input until all three show up in the output file. */
async function waitUntilReady(check: ReadyCheck): Promise<'ready' | string> {
  const marker = randomBytes(6).toString('hex')
  const wanted = { imuxsock: false, imudp: false, imtcp: false }
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (check.hasExited()) return 'the process exited'
    for (const line of check.readLines()) {
      const entry = parseLogLine(line)
      if (entry?.app === PROBE_APP && entry.msg.includes(marker) && entry.input in wanted) {
        wanted[entry.input as keyof typeof wanted] = true
      }
    }
    if (Object.values(wanted).every(Boolean)) return 'ready'
    const probe = `<14>Jan  1 00:00:00 localhost ${PROBE_APP}: ${marker}\n`
    if (!wanted.imuxsock && existsSync(check.devLog)) await loggerToSocket(check.devLog, marker)
    if (!wanted.imudp) await sendUdp(check.address, check.udpPort, probe)
    if (!wanted.imtcp) await sendTcp(check.address, check.tcpPort, probe)
    await sleep(PROBE_INTERVAL_MS)
  }
  const missing = Object.entries(wanted)
    .filter(([, seen]) => !seen)
    .map(([input]) => input)
  return `no probe arrived through ${missing.join(', ')} within ${READY_TIMEOUT_MS / 1000} s`
}

/** Node cannot send to a Unix datagram socket; util-linux logger(1) can. */
function loggerToSocket(socket: string, marker: string): Promise<void> {
  return new Promise((resolve) => execFile(LOGGER, ['-u', socket, '-t', PROBE_APP, marker], () => resolve()))
}

function sendUdp(address: string, port: number, text: string): Promise<void> {
  const socket = createSocket('udp4')
  socket.on('error', () => {})
  return new Promise((resolve) => socket.send(text, port, address, () => (socket.close(), resolve())))
}

function sendTcp(address: string, port: number, text: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: address, port }, () => socket.end(text))
    socket.on('error', () => resolve())
    socket.on('close', () => resolve())
  })
}

/** A port free for TCP on `address` (it is then bound for UDP too; the block is private to one test file). */
async function freePort(address: string): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, address, resolve)
  })
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
