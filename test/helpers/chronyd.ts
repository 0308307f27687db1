/**
 * Real NTP servers for the integration tests: chronyd processes on loopback addresses.
 *
 * Every chronyd is started with `-x` (never touch the system clock), in its own temp dir, and is
 * stopped by the owning test's teardown (and, as a last resort, when the test process exits).
 * A "lying" server runs under faketime, so it answers `fakeOffsetSeconds` ahead of (or behind)
 * the real clock. See /work/shared/TESTBED.md.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createSocket, type Socket } from 'node:dgram'
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { watchExit } from './child-exit.js'
import { within } from './waiting.js'
import type { Teardown } from './teardown.js'

export const CHRONYD = existsSync('/usr/sbin/chronyd') ? '/usr/sbin/chronyd' : 'chronyd'
export const FAKETIME = existsSync('/usr/bin/faketime') ? '/usr/bin/faketime' : 'faketime'

const READY_TIMEOUT_MS = 8_000
const PROBE_INTERVAL_MS = 100
const STOP_GRACE_MS = 3_000
const MAX_LOG_CHARS = 20_000
const MAX_LIFETIME_SECONDS = 900

/** What a test gives us to hang cleanup on: tap's `t` (any Test) fits. */
export interface ChronydOptions {
  /** e.g. '127.0.1.1', '127.0.0.1' or '::1' */
  address: string
  port: number
  /** run under faketime with this shift: +2.5 answers 2.5 s ahead of the real clock */
  fakeOffsetSeconds?: number
  /** bind ::1 (IPv6 only); implied by an address with a ':' */
  ipv6?: boolean
  /** a chrony-format key file to serve (`keyfile`): it answers a request with the key it used */
  keys?: string
  /** serve NTS too: NTS-KE on `kePort` with this certificate and key (files _chrony can read) */
  nts?: { kePort: number; certFile: string; keyFile: string }
}

export interface Chronyd {
  address: string
  port: number
  /** how to name it on the command line, and how tsntpdate prints it: `127.0.1.1:12101`, `[::1]:12103` */
  spec: string
  /** the pid of the chronyd process itself (not of faketime) */
  pid: number | undefined
  /** chronyd's stderr so far (it logs there with -d) */
  log(): string
  stop(): Promise<void>
}

/** Every chronyd still running in this process, for the exit-time safety net. */
const running = new Set<{ child: ChildProcess; pidFile: string }>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // Synchronous last resort if a test file dies before its teardowns run.
  process.on('exit', () => {
    for (const { child, pidFile } of running) {
      const pid = readPid(pidFile)
      if (pid !== undefined) tryKill(pid, 'SIGKILL')
      if (child.pid !== undefined) tryKill(-child.pid, 'SIGKILL')
    }
  })
}

export async function startChronyd(t: Teardown, options: ChronydOptions): Promise<Chronyd> {
  const ipv6 = options.ipv6 ?? options.address.includes(':')
  const { address, port } = options
  const spec = ipv6 ? `[${address}]:${port}` : `${address}:${port}`
  // Else the readiness probe could be answered by whatever already holds the port (a leftover
  // chronyd, another test file using the same block), and this chronyd would fail unnoticed.
  await assertPortFree(address, port, ipv6, spec)
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-chronyd-'))
  const conf = join(dir, 'chronyd.conf')
  const pidFile = join(dir, 'chronyd.pid')
  const keyFile = join(dir, 'chrony.keys')
  if (options.keys !== undefined || options.nts !== undefined) chmodSync(dir, 0o755)
  const ntsDump = join(dir, 'nts')
  if (options.nts !== undefined) {
    // chronyd drops to _chrony: its NTS key dump must be its own
    spawnSync('mkdir', ['-p', ntsDump])
    spawnSync('chown', ['_chrony', ntsDump])
  }
  if (options.keys !== undefined) {
    // chronyd reads its keys as _chrony: the file root:_chrony 0640, the directory searchable
    writeFileSync(keyFile, options.keys, { mode: 0o640 })
    chmodSync(dir, 0o755)
    const group = spawnSync('getent', ['group', '_chrony'], { encoding: 'utf8' }).stdout.split(':')[2]
    if (group) chownSync(keyFile, 0, Number(group))
  }
  writeFileSync(
    conf,
    [
      `port ${port}`,
      `bindaddress ${address}`,
      'allow 127.0.0.0/8',
      ...(ipv6 ? ['allow ::1'] : []),
      'local stratum 2',
      'cmdport 0',
      ...(options.keys !== undefined ? [`keyfile ${keyFile}`] : []),
      ...(options.nts !== undefined ? [`ntsserverkey ${options.nts.keyFile}`, `ntsservercert ${options.nts.certFile}`, `ntsdumpdir ${ntsDump}`, `ntsport ${options.nts.kePort}`] : []),
      `pidfile ${pidFile}`,
      `driftfile ${join(dir, 'chronyd.drift')}`,
      '',
    ].join('\n'),
  )
  // -x: never touch the system clock. -d: foreground, log to stderr. -4/-6: open sockets of one
  // family only, so the other family's wildcard address is not bound on our port. -t: exit on its
  // own after a while, should this process be killed before any cleanup could run.
  const chronydArgs = ['-x', '-d', ipv6 ? '-6' : '-4', '-t', String(MAX_LIFETIME_SECONDS), '-f', conf]
  const [command, args] = options.fakeOffsetSeconds === undefined ? [CHRONYD, chronydArgs] : [FAKETIME, ['-f', fakeSpec(options.fakeOffsetSeconds), CHRONYD, ...chronydArgs]]

  installExitHook()
  // detached: its own process group, so faketime and its chronyd child can be killed together
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  const entry = { child, pidFile }
  running.add(entry)
  let log = ''
  const collect = (chunk: Buffer) => {
    if (log.length < MAX_LOG_CHARS) log += chunk.toString('utf8')
  }
  child.stdout!.on('data', collect)
  child.stderr!.on('data', collect)
  const exit = watchExit(child)

  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (!exit.hasExited()) {
        // Kill chronyd itself first: faketime then reaps it and exits. Killing faketime first would
        // orphan chronyd.
        const pid = readPid(pidFile)
        if (pid !== undefined) tryKill(pid, 'SIGTERM')
        else if (child.pid !== undefined) tryKill(-child.pid, 'SIGTERM')
        if (!(await within(exit.done, STOP_GRACE_MS)) && child.pid !== undefined) {
          tryKill(-child.pid, 'SIGKILL')
          await exit.done
        }
      }
      running.delete(entry)
      rmSync(dir, { recursive: true, force: true })
    })()
    return stopped
  }
  t.teardown(stop)

  const ready = await waitUntilAnswering(address, port, ipv6, exit.hasExited)
  if (ready !== 'ready') {
    await stop()
    const spawnError = exit.spawnError()
    const why = spawnError ? `could not spawn ${command}: ${spawnError.message}` : ready
    throw new Error(`chronyd for ${spec} did not start: ${why}\n--- chronyd output ---\n${log.trim() || '(none)'}`)
  }
  return { address, port, spec, pid: readPid(pidFile), log: () => log, stop }
}

async function assertPortFree(address: string, port: number, ipv6: boolean, spec: string): Promise<void> {
  const socket = createSocket(ipv6 ? 'udp6' : 'udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(port, address, resolve)
    })
  } catch (error) {
    throw new Error(`cannot start chronyd on ${spec}: the port is taken (${(error as Error).message}); a leftover server?`)
  } finally {
    socket.close()
  }
}

/** `+2.5s`, `-1.5s`: faketime's relative-offset syntax. */
function fakeSpec(seconds: number): string {
  if (!Number.isFinite(seconds)) throw new RangeError(`fakeOffsetSeconds must be a finite number, not ${seconds}`)
  return `${seconds < 0 ? '-' : '+'}${Math.abs(seconds)}s`
}

/**
 * Sends a 48-byte client request every 100 ms until a server-mode reply comes back.
 * Resolves 'ready', or a description of why not.
 */
async function waitUntilAnswering(address: string, port: number, ipv6: boolean, hasExited: () => boolean): Promise<'ready' | string> {
  const socket = createSocket(ipv6 ? 'udp6' : 'udp4')
  try {
    const answered = new Promise<void>((resolve) => {
      socket.on('message', (msg) => {
        if (msg.length >= 48 && (msg[0]! & 0b111) === 4) resolve()
      })
    })
    socket.on('error', () => {}) // ICMP errors and the like: just keep polling
    await new Promise<void>((resolve) => socket.bind(0, ipv6 ? '::1' : '127.0.0.1', resolve))
    const deadline = Date.now() + READY_TIMEOUT_MS
    while (Date.now() < deadline) {
      if (hasExited()) return 'the process exited'
      socket.send(clientRequest(), port, address)
      if (await within(answered, PROBE_INTERVAL_MS)) return 'ready'
    }
    return `no NTP reply within ${READY_TIMEOUT_MS / 1000} s`
  } finally {
    socket.close()
  }
}

/** LI 0, VN 4, mode 3, and a random non-zero transmit timestamp. */
export function clientRequest(): Buffer {
  const request = Buffer.alloc(48)
  request[0] = (4 << 3) | 3
  randomBytes(8).copy(request, 40)
  request[40] = request[40]! | 1
  return request
}

/**
 * An address:port where nothing listens: binds a UDP socket on `address` port 0, notes the port,
 * closes it. Datagrams sent there are dropped (the client sees only silence).
 */
export async function deadEndpoint(address = '127.0.0.1'): Promise<{ address: string; port: number; spec: string }> {
  const ipv6 = address.includes(':')
  const socket: Socket = createSocket(ipv6 ? 'udp6' : 'udp4')
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, address, resolve)
  })
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(resolve))
  return { address, port, spec: ipv6 ? `[${address}]:${port}` : `${address}:${port}` }
}

/** Sends one NTP client request and returns whether a server-mode reply came back in time. */
export async function answers(address: string, port: number, timeoutMs = 500): Promise<boolean> {
  const ipv6 = address.includes(':')
  const socket = createSocket(ipv6 ? 'udp6' : 'udp4')
  socket.on('error', () => {})
  try {
    const answered = new Promise<void>((resolve) => {
      socket.on('message', (msg) => {
        if (msg.length >= 48 && (msg[0]! & 0b111) === 4) resolve()
      })
    })
    socket.send(clientRequest(), port, address)
    return await within(answered, timeoutMs)
  } finally {
    socket.close()
  }
}

function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim())
    return Number.isInteger(pid) && pid > 1 ? pid : undefined
  } catch {
    return undefined
  }
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // already gone
  }
}
