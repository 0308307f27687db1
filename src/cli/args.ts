/** argv to Options, or a UsageError naming the problem. Pure: no I/O, no process access. */
import { cac } from 'cac'
import type { Method } from '../decide.js'
import { DEFAULT_VERSION } from '../ntp/exchange.js'
import { UsageError } from '../errors.js'
import type { AddressFamily } from '../server.js'
import { OPTIONS } from './option-table.js'
import type { SyslogChoice } from './output.js'
import { parseSyslogOptions } from './syslog-options.js'

export const DEFAULT_SERVER = 'pool.ntp.org'

export interface Options extends SyslogChoice {
  servers: string[]
  /** true when no server was named and DEFAULT_SERVER stands in */
  defaultServers: boolean
  family: AddressFamily | undefined
  samples: number
  gapSeconds: number
  timeoutSeconds: number
  version: number
  query: boolean
  debug: boolean
  method: Method | 'auto'
  maxStepSeconds: number | undefined
  /** --force: set the clock even while a time daemon keeps it */
  force: boolean
  /** --max-offset: the check mode (implies query): exit 3 when |offset| is above it */
  maxOffsetSeconds: number | undefined
  /** --json: one JSON document on stdout instead of the classic lines */
  json: boolean
  /** --metrics-file: where to write node_exporter textfile metrics */
  metricsFile: string | undefined
  showVersion: boolean
  help: boolean
}

type Raw = Record<string, unknown>

export function parseArgs(argv: readonly string[]): Options {
  const tokens = expandShortBundles(argv)
  const { servers, raw } = runCac(tokens)
  const refused = OPTIONS.find((o) => o.notYet && o.short !== undefined && raw[o.short] !== undefined)
  if (refused) throw new UsageError(`-${refused.short}: ${refused.notYet} is not supported yet`)
  const valueOf = (...forms: string[]) => lastValueOf(tokens, forms)
  const maxOffsetSeconds = optional(valueOf('--max-offset'), (v) => secondsIn(v, 0, 1e9, '--max-offset'))
  const query = raw['query'] === true || maxOffsetSeconds !== undefined
  const samplesText = valueOf('-p', '--samples')
  const samples = samplesText === undefined ? (query ? 1 : 4) : integerIn(samplesText, 1, 8, '-p')
  return {
    servers: servers.length > 0 ? servers : [DEFAULT_SERVER],
    defaultServers: servers.length === 0,
    family: lastOf(tokens, { '-4': 4, '--ipv4': 4, '-6': 6, '--ipv6': 6 } as const),
    samples,
    gapSeconds: optional(valueOf('--gap'), (v) => secondsIn(v, 0, 60, '--gap')) ?? 2,
    timeoutSeconds: optional(valueOf('-t', '--timeout'), (v) => secondsIn(v, 0.001, 60, '-t')) ?? 2,
    version: optional(valueOf('-o', '--ntp-version'), (v) => integerIn(v, 1, 4, '-o')) ?? DEFAULT_VERSION,
    query,
    debug: raw['debug'] === true,
    method: lastOf(tokens, { '-b': 'step', '--step': 'step', '-B': 'slew', '--slew': 'slew' } as const) ?? 'auto',
    maxStepSeconds: optional(valueOf('--max-step'), (v) => secondsIn(v, 0.000001, 1e9, '--max-step')),
    force: raw['force'] === true,
    maxOffsetSeconds,
    json: raw['json'] === true,
    metricsFile: optional(valueOf('--metrics-file'), (v) => nonEmpty(v, '--metrics-file')),
    showVersion: raw['version'] === true,
    help: raw['help'] === true,
    ...parseSyslogOptions({
      syslog: raw['s'] === true,
      facility: valueOf('--syslog-facility'),
      server: valueOf('--syslog-server'),
      format: valueOf('--syslog-format'),
    }),
  }
}

/**
 * getopt-style bundles: `-qp4` → `-q -p=4`, `-t1` → `-t=1`. Stops at `--`. As with getopt, the
 * word after an option that takes a value is that value even when it starts with '-'
 * (`--gap -1` → `--gap=-1`), so a negative number reaches the range check instead of reading
 * as an unknown option. Every value thus stands as `flag=value`, where lastValueOf finds it.
 */
export function expandShortBundles(argv: readonly string[]): string[] {
  const valued = new Set(OPTIONS.filter((o) => o.takesValue && o.short).map((o) => o.short))
  const valuedLong = new Set(OPTIONS.filter((o) => o.takesValue).map((o) => /--[\w-]+/.exec(o.flags)?.[0]))
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!
    if (token === '--') {
      out.push(...argv.slice(i))
      break
    }
    if (valuedLong.has(token)) {
      out.push(...withValue(token, argv[++i]))
      continue
    }
    if (!/^-[^-]/.test(token)) {
      out.push(token)
      continue
    }
    for (let j = 1; j < token.length; j++) {
      const letter = token[j]!
      if (valued.has(letter)) {
        out.push(...withValue(`-${letter}`, j + 1 < token.length ? token.slice(j + 1) : argv[++i]))
        break
      }
      out.push(`-${letter}`)
    }
  }
  return out
}

/** `--gap=-1` keeps cac from reading a value that starts with '-' as an option of its own. */
function withValue(flag: string, value: string | undefined): string[] {
  return value === undefined ? [flag] : [`${flag}=${value}`] // alone, cac reports the missing value
}

function runCac(tokens: readonly string[]): { servers: string[]; raw: Raw } {
  const cli = cac('tsntpdate')
  for (const option of OPTIONS) cli.option(option.flags, option.description)
  let captured: { servers: string[]; raw: Raw } | undefined
  cli.command('[...servers]').action((servers: string[], raw: Raw) => {
    const afterDashes = Array.isArray(raw['--']) ? (raw['--'] as unknown[]).map(String) : []
    captured = { servers: [...servers.map(String), ...afterDashes], raw }
  })
  try {
    cli.parse(['node', 'tsntpdate', ...tokens], { run: true })
  } catch (error) {
    // cac does not export its error class; its parse errors carry this name
    if (error instanceof Error && error.name === 'CACError') throw new UsageError(error.message.replace(/`/g, "'"))
    throw error
  }
  if (!captured) throw new UsageError('could not read the command line')
  return captured
}

/** The last of several order-sensitive flags wins, as with getopt in classic ntpdate. */
function lastOf<T>(tokens: readonly string[], meanings: Readonly<Record<string, T>>): T | undefined {
  let found: T | undefined
  for (const token of optionTokens(tokens)) if (Object.hasOwn(meanings, token)) found = meanings[token]
  return found
}

/**
 * The text of the last value given to an option under any of its forms, as typed: cac's parser
 * turns numeric-looking values into numbers first, which would let `-p 0x4` pass as 4.
 */
function lastValueOf(tokens: readonly string[], forms: readonly string[]): string | undefined {
  let found: string | undefined
  for (const token of optionTokens(tokens)) {
    const form = forms.find((f) => token.startsWith(`${f}=`))
    if (form) found = token.slice(form.length + 1)
  }
  return found
}

function optionTokens(tokens: readonly string[]): readonly string[] {
  const end = tokens.indexOf('--')
  return end < 0 ? tokens : tokens.slice(0, end)
}

function optional<T>(text: string | undefined, parse: (text: string) => T): T | undefined {
  return text === undefined ? undefined : parse(text)
}

function nonEmpty(text: string, name: string): string {
  if (text === '') throw new UsageError(`${name}: the value is empty`)
  return text
}

function integerIn(text: string, min: number, max: number, name: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`${name}: '${text}' is not a whole number from ${min} to ${max}`)
  }
  return n
}

function secondsIn(text: string, min: number, max: number, name: string): number {
  const n = Number(text)
  if (!/^\d*\.?\d+$|^\d+\.$/.test(text) || n < min || n > max) {
    throw new UsageError(`${name}: '${text}' is not a number of seconds from ${min} to ${max}`)
  }
  return n
}
