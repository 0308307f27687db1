/**
 * The programs the benchmark runs side by side, each with settings as close to tsntpdate's as the
 * program allows, and how to read the offset it reports. None of them may change the clock:
 * tsntpdate and ntpdate always get -q, ntpdig never -s/-S, chronyd always -Q -x.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command, Measured } from './measure.js'

export const TSNTPDATE_BIN = fileURLToPath(new URL('../../bin/tsntpdate', import.meta.url))
const CHRONYD = existsSync('/usr/sbin/chronyd') ? '/usr/sbin/chronyd' : 'chronyd'
const NTPDIG = '/usr/bin/ntpdig'

/** Servers on port 123 (ntpdig cannot name another port). */
export interface Servers {
  a: string
  b: string
  /** nothing listens there */
  dead: string
}

export interface Tool {
  name: string
  /** when the program is not on this machine: why, for the table */
  missing?: string
  /** the settings used, for the README */
  settings: string[]
  /** 1 server, 4 samples */
  accuracy?(servers: Servers): Command
  /** the same with key 1 (AES128CMAC) of `keyFile`, which A serves */
  keyed?(servers: Servers, keyFile: string): Command
  /** 2 servers, 1 sample (a plain `-q A B`) */
  twoServers?(servers: Servers): Command
  /** A and a dead server, 1 s timeout */
  dead?(servers: Servers): Command
  /** one server behind the jitter/loss relay, 8 samples */
  jitter?(relayed: string): Command
  /** many servers at once (tsntpdate only) */
  many?(servers: readonly string[]): Command
  /** removes what the tool's setup created */
  dispose?(): void
  /** the offset in seconds it reported, undefined when it reported none */
  offset(run: Measured): number | undefined
}

/** ntpdate's (and tsntpdate's) last line: `… adjust time server 127.0.14.1 offset +0.000008 sec` */
const NTPDATE_FINAL = /(?:adjust|step) time server \S+ offset ([+-]?\d+\.\d+) sec/
/** `2026-11-25 03:39:39.577989 (+0000) +0.000020 +/- 0.000046 127.0.14.1 s2 no-leap` */
const NTPDIG_LINE = /\(\+?-?\d{4}\) ([+-]?\d+\.\d+) \+\/- /
const CHRONYD_LINE = /System clock wrong by (-?\d+\.\d+) seconds/

function firstNumber(pattern: RegExp, text: string): number | undefined {
  const m = pattern.exec(text)
  return m ? Number(m[1]) : undefined
}

export function nodeBaseline(): Command {
  return { command: process.execPath, args: ['-e', '0'] }
}

export function tsntpdate(): Tool {
  const run = (...args: string[]): Command => ({ command: process.execPath, args: [TSNTPDATE_BIN, '-q', ...args] })
  return {
    name: 'tsntpdate',
    settings: [
      '1 server: `tsntpdate -q -p 4 --gap 0.05 A`',
      '1 server, keyed: `tsntpdate -q -p 4 --gap 0.05 -a 1 -k KEYS A` (key 1 AES128CMAC, which A serves)',
      '2 servers: `tsntpdate -q A B`',
      'dead server: `tsntpdate -q -t 1 A DEAD`',
      'jitter/loss: `tsntpdate -q -p 8 --gap 0.05 -t 1 R`',
      '1000 servers: `tsntpdate -q S1 … S1000`',
    ],
    accuracy: (s) => run('-p', '4', '--gap', '0.05', s.a),
    keyed: (s, keyFile) => run('-p', '4', '--gap', '0.05', '-a', '1', '-k', keyFile, s.a),
    twoServers: (s) => run(s.a, s.b),
    dead: (s) => run('-t', '1', s.a, s.dead),
    jitter: (r) => run('-p', '8', '--gap', '0.05', '-t', '1', r),
    many: (servers) => run(...servers),
    offset: (m) => (m.code === 0 ? firstNumber(NTPDATE_FINAL, m.stdout) : undefined),
  }
}

export function ntpdig(): Tool {
  const run = (...args: string[]): Command => ({ command: NTPDIG, args })
  return {
    name: 'ntpdig',
    ...(existsSync(NTPDIG) ? {} : { missing: 'not installed (Debian: ntpsec-ntpdig)' }),
    settings: [
      '1 server: `ntpdig -p 4 -g 50 A` (gap in ms)',
      '2 servers: `ntpdig A B`',
      'dead server: `ntpdig -t 1 A DEAD`',
      'jitter/loss: `ntpdig -p 8 -g 50 -t 1 R` (its -t takes whole seconds only)',
    ],
    accuracy: (s) => run('-p', '4', '-g', '50', s.a),
    twoServers: (s) => run(s.a, s.b),
    dead: (s) => run('-t', '1', s.a, s.dead),
    jitter: (r) => run('-p', '8', '-g', '50', '-t', '1', r),
    offset: (m) => (m.code === 0 ? firstNumber(NTPDIG_LINE, m.stdout) : undefined),
  }
}

/**
 * `chronyd -Q` reads its servers from a config file: one file per scenario, in a directory that
 * chronyd can still write after dropping root (it removes its pidfile on exit).
 */
export function chronydQ(): Tool {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-bench-chronyq-'))
  chmodSync(dir, 0o777)
  // minpoll/maxpoll -4: a request every 62.5 ms (the closest power of 2 to tsntpdate's 50 ms gap).
  // -Q ends at its first clock update, which comes after 3 samples: it cannot be made to take 4.
  const conf = (name: string, servers: string[]): Command => {
    const file = join(dir, `${name}.conf`)
    writeFileSync(file, [...servers.map((s) => `server ${s} minpoll -4 maxpoll -4`), 'port 0', 'cmdport 0', `pidfile ${join(dir, 'pid')}`, ''].join('\n'))
    // -x: never touch the clock (on top of -Q); -t 10: give up after 10 s, a failed run
    return { command: CHRONYD, args: ['-x', '-Q', '-t', '10', '-f', file] }
  }
  return {
    name: 'chronyd -Q',
    ...(existsSync(CHRONYD) ? {} : { missing: 'not installed (Debian: chrony)' }),
    settings: [
      'every run: `chronyd -x -Q -t 10 -f CONF`, CONF has `server X minpoll -4 maxpoll -4` per server, `port 0`, `cmdport 0`',
      '-Q stops at its first clock update, after 3 samples 62.5 ms apart (it cannot be told to take 4 or 8); with loss it keeps polling until it has them',
    ],
    accuracy: (s) => conf('accuracy', [s.a]),
    twoServers: (s) => conf('two', [s.a, s.b]),
    dead: (s) => conf('dead', [s.a, s.dead]),
    jitter: (r) => conf('jitter', [r]),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
    offset: (m) => (m.code === 0 ? firstNumber(CHRONYD_LINE, m.stdout + m.stderr) : undefined),
  }
}

/** Classic ntpdate, only when given by path: Debian's /usr/sbin/ntpdate is a shim over ntpdig. */
export function classicNtpdate(path: string | undefined): Tool {
  const run = (...args: string[]): Command => ({ command: path!, args: ['-q', ...args] })
  const shimNote = existsSync('/usr/sbin/ntpdate') && isScript('/usr/sbin/ntpdate') ? ' (/usr/sbin/ntpdate here is the Debian shim over ntpdig)' : ''
  return {
    name: 'ntpdate (classic)',
    ...(path === undefined
      ? { missing: `not given: set NTPDATE=/path/to/classic/ntpdate; Debian's /usr/sbin/ntpdate is a shim over ntpdig, not the classic program${shimNote}` }
      : !existsSync(path)
        ? { missing: `NTPDATE=${path} does not exist` }
        : {}),
    settings: [
      '1 server: `ntpdate -q -p 4 A` (it sends the next sample when the previous one is answered: no gap option)',
      '2 servers: `ntpdate -q A B`',
      'dead server: `ntpdate -q -t 1 A DEAD`',
      'jitter/loss: `ntpdate -q -p 8 -t 1 R`',
    ],
    accuracy: (s) => run('-p', '4', s.a),
    twoServers: (s) => run(s.a, s.b),
    dead: (s) => run('-t', '1', s.a, s.dead),
    jitter: (r) => run('-p', '8', '-t', '1', r),
    offset: (m) => (m.code === 0 ? (firstNumber(NTPDATE_FINAL, m.stdout) ?? firstNumber(NTPDIG_LINE, m.stdout)) : undefined),
  }
}

function isScript(path: string): boolean {
  try {
    return readFileSync(path).subarray(0, 2).toString('latin1') === '#!'
  } catch {
    return false
  }
}

/** Last line of defence: refuse any command line that could set the clock. */
export function assertQueryOnly(tool: string, run: Command): void {
  const args = run.args
  const ok =
    tool === 'ntpdig' ? !args.some((a) => a === '-s' || a === '-S' || a === '--step' || a === '--slew') : tool === 'chronyd -Q' ? args.includes('-Q') && args.includes('-x') : args.includes('-q')
  if (!ok) throw new Error(`refusing to run ${tool} without its query-only flag: ${run.command} ${args.join(' ')}`)
}
