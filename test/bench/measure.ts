/**
 * Runs one command the way the benchmark times it: under GNU time (for the peak RSS of the child,
 * from wait4's rusage — the only reliable way to get a child's high-water mark after it has exited),
 * with the wall time taken here from spawn to exit.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const GNU_TIME = '/usr/bin/time'
const MARK = 'BENCH-RUSAGE'
const MARK_LINE = new RegExp(`${MARK} (\\d+)\\n?`)

export interface Measured {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** spawn to exit, milliseconds */
  wallMs: number
  /** peak resident set size of the child in KiB, undefined without GNU time */
  rssKiB: number | undefined
}

export interface Command {
  command: string
  args: readonly string[]
}

/** Whether /usr/bin/time is GNU time (Debian package `time`); without it RSS is not measured. */
export function haveGnuTime(): boolean {
  if (!existsSync(GNU_TIME)) return false
  const probe = spawnSync(GNU_TIME, ['-f', `${MARK} %M`, 'true'], { encoding: 'utf8' })
  return MARK_LINE.test(probe.stderr ?? '')
}

/** The environment a user would run the tools in: no NODE_OPTIONS or loader settings of ours. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_OPTIONS' && !/^(TS_NODE_|TAP)/.test(key)))
}

export function measure(run: Command, options: { gnuTime: boolean; timeoutMs: number }): Promise<Measured> {
  const [command, args] = options.gnuTime ? [GNU_TIME, ['-f', `${MARK} %M`, run.command, ...run.args]] : [run.command, [...run.args]]
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    let exitedAt = started
    const child = spawn(command, args, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('exit', () => (exitedAt = process.hrtime.bigint()))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const mark = MARK_LINE.exec(stderr)
      resolve({
        code,
        signal,
        stdout,
        stderr: mark ? stderr.replace(MARK_LINE, '') : stderr,
        wallMs: Number(exitedAt - started) / 1e6,
        rssKiB: mark ? Number(mark[1]) : undefined,
      })
    })
  })
}
