/** Runs the real CLI (bin/tsntpdate → dist/tsntpdate.cjs) in a child process, and reads its output lines. */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/tsntpdate', import.meta.url))
export const REPO = fileURLToPath(new URL('../..', import.meta.url))
const ENV = existsSync('/usr/bin/env') ? '/usr/bin/env' : 'env'

export interface CliResult {
  /** exit status, or null when killed by a signal */
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** wall time from spawn to exit, in milliseconds */
  ms: number
  /** pid of the process that ran node (with a `prefix` like setpriv, which execs, the same) */
  pid: number | undefined
}

export interface RunOptions {
  /** kill the run after this long (default 30 s); the result then has signal SIGKILL */
  timeoutMs?: number
  /** a command to run node under, e.g. ['setpriv', '--reuid=nobody', …] */
  prefix?: readonly string[]
  /** default: cleanEnv() */
  env?: NodeJS.ProcessEnv
}

/**
 * The environment of this process without what tap adds for its own children (NODE_OPTIONS with
 * its process-info hook, TAP_*, _TAPJS_*): the CLI runs as a user would run it, and does not
 * need to write into .tap/ (which an unprivileged run could not).
 */
export function cleanEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => key !== 'NODE_OPTIONS' && key !== 'TAP' && !/^(TAP_|_TAPJS_|TS_NODE_)/.test(key)))
}

export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return runCommand([...(options.prefix ?? []), process.execPath, BIN, ...args], { ...options, env: options.env ?? cleanEnv() })
}

/**
 * Runs any command to its end and collects its output. tap's process-info hook wraps
 * child_process.spawn and puts its --import back into NODE_OPTIONS whatever env we pass: env(1)
 * takes it out again right before the exec (same pid).
 */
export function runCommand(command: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  const started = process.hrtime.bigint()
  return new Promise((resolve, reject) => {
    const child = spawn(ENV, ['-u', 'NODE_OPTIONS', ...command], {
      cwd: options.cwd ?? REPO,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      resolve({ code, signal, stdout, stderr, ms, pid: child.pid })
    })
  })
}

/** Non-empty lines of an output stream. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '')
}

/** `25 Nov 02:33:22 tsntpdate[834]: ` — classic ntpdate's terminal prefix (`%2d %s %02d:%02d:%02d`). */
export const PREFIX = String.raw`\s?\d{1,2} [A-Z][a-z]{2} \d\d:\d\d:\d\d tsntpdate\[(\d+)\]: `

/** `server 127.0.0.2:11123, stratum 2, offset +0.000123, delay 0.00012` */
export const SERVER_LINE = /^server (\S+), stratum (\d+), offset ([+-]\d+\.\d{6}), delay (\d+\.\d{5})$/

/** `25 Nov 02:33:22 tsntpdate[834]: adjust time server 127.0.0.2:11123 offset +0.000008 sec` */
export const FINAL_LINE = new RegExp(`^${PREFIX}(adjust|step) time server (\\S+) offset ([+-]\\d+\\.\\d{6}) sec$`)

/** Any prefixed line: `25 Nov 02:33:22 tsntpdate[834]: message` */
export const PREFIXED_LINE = new RegExp(`^${PREFIX}(.*)$`)

export interface ServerLine {
  server: string
  stratum: number
  offset: number
  delay: number
}

export interface FinalLine {
  pid: number
  verb: 'adjust' | 'step'
  server: string
  offset: number
}

export function parseServerLine(line: string): ServerLine | undefined {
  const m = SERVER_LINE.exec(line)
  if (!m) return undefined
  return { server: m[1]!, stratum: Number(m[2]), offset: Number(m[3]), delay: Number(m[4]) }
}

export function parseFinalLine(line: string): FinalLine | undefined {
  const m = FINAL_LINE.exec(line)
  if (!m) return undefined
  return { pid: Number(m[1]), verb: m[2] as 'adjust' | 'step', server: m[3]!, offset: Number(m[4]) }
}

export function parsePrefixedLine(line: string): { pid: number; message: string } | undefined {
  const m = PREFIXED_LINE.exec(line)
  return m ? { pid: Number(m[1]), message: m[2]! } : undefined
}

/** The ntpdate-format output of a `-q` run: the per-server lines, then the final line. */
export interface QueryOutput {
  servers: ServerLine[]
  final: FinalLine | undefined
  /** lines that are neither (with -d: the trace) */
  other: string[]
}

export function parseQueryOutput(stdout: string): QueryOutput {
  const servers: ServerLine[] = []
  let final: FinalLine | undefined
  const other: string[] = []
  for (const line of lines(stdout)) {
    const server = parseServerLine(line)
    const last = server ? undefined : parseFinalLine(line)
    if (server) servers.push(server)
    else if (last) final = last
    else other.push(line)
  }
  return { servers, final, other }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** `1.2 µs`-style formatting of seconds, for t.comment. */
export function micros(seconds: number): string {
  return `${(seconds * 1e6).toFixed(1)} µs`
}

/** A run's exit status, signal, time and output, for a failed assertion's diagnostics. */
export function describeRun(r: CliResult): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''} in ${r.ms.toFixed(0)} ms\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`
}
