/** argv to Options, or a UsageError naming the problem. Pure: no I/O, no process access. */
import { isIP } from 'node:net'
import { parseArgs as utilParseArgs, type ParseArgsConfig } from 'node:util'
import { DEFAULT_VERSION } from '../ntp/exchange.js'
import { UsageError } from '../errors.js'
import { OPTIONS, optionKey } from './option-table.js'
import type { Options } from '../config/options.js'
import { parseSyslogOptions } from './syslog-options.js'

/**
 * argv as getopt reads it, by the option table, through node:util's parseArgs in strict mode:
 * a flag given twice means what it means once, a flag takes no value (`--json=0` is an error),
 * there are no `--no-` forms and no abbreviations (`--p` is unknown). cac (mri underneath) could
 * do none of that: it turns a repeated flag into an array, reads `--p` as `-p` and `--no-x` as a
 * negation, so it is no longer used.
 */
interface ReadArgv {
  /** every option given, in order, by its key (optionKey), with its value as typed */
  given: { key: string; value: string | undefined }[]
  operands: string[]
}

/** The command line read: the options, or the usage error and whether it asked for --json (which still gets its document). */
export type CommandLine = { options: Options } | { usage: string; json: boolean }

export function readCommandLine(argv: readonly string[]): CommandLine {
  try {
    return { options: parseArgs(argv) }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    const end = argv.indexOf('--')
    return { usage: error.message, json: (end < 0 ? argv : argv.slice(0, end)).includes('--json') }
  }
}

export function parseArgs(argv: readonly string[]): Options {
  const { given, operands } = readArgv(argv)
  const has = (key: string) => given.some((g) => g.key === key)
  const valueOf = (key: string) => given.findLast((g) => g.key === key)?.value
  const maxOffsetSeconds = optional(valueOf('max-offset'), (v) => secondsIn(v, 0, 1e9, '--max-offset'))
  const query = has('query') || maxOffsetSeconds !== undefined
  const samplesText = valueOf('samples')
  const samples = samplesText === undefined ? (query ? 1 : 4) : integerIn(samplesText, 1, 8, '-p')
  const servers = operands.map(checkOperand)
  if (has('nts') && has('a')) throw new UsageError('-a and --nts exclude each other: NTS brings its own keys')
  if (!has('nts') && (has('nts-ca') || has('nts-cache'))) throw new UsageError('--nts-ca and --nts-cache need --nts')
  const sourceAddress = optional(valueOf('source'), sourceAddressOf)
  const sourceFamily = sourceAddress === undefined ? undefined : isIP(sourceAddress) === 6 ? 6 : 4
  const family = lastOf(given, { ipv4: 4, ipv6: 6 } as const)
  if (sourceFamily !== undefined && family !== undefined && family !== sourceFamily)
    throw new UsageError(`--source ${sourceAddress} is an IPv${sourceFamily} address, and -${family} asks for IPv${family}`)
  return {
    servers,
    defaultServers: servers.length === 0,
    family: sourceFamily ?? family,
    sourceAddress,
    samples,
    gapSeconds: optional(valueOf('gap'), (v) => secondsIn(v, 0, 60, '--gap')) ?? 2,
    timeoutSeconds: optional(valueOf('timeout'), (v) => secondsIn(v, 0.001, 60, '-t')) ?? 2,
    ntpVersion: optional(valueOf('ntp-version'), (v) => integerIn(v, 1, 4, '-o')) ?? DEFAULT_VERSION,
    query,
    debug: has('debug'),
    method: lastOf(given, { step: 'step', slew: 'slew' } as const) ?? 'auto',
    maxStepSeconds: optional(valueOf('max-step'), (v) => secondsIn(v, 0.000001, 1e9, '--max-step')),
    force: has('force'),
    maxOffsetSeconds,
    json: has('json'),
    metricsFile: optional(valueOf('metrics-file'), (v) => nonEmpty(v, '--metrics-file')),
    keyId: optional(valueOf('a'), (v) => integerIn(v, 1, 2 ** 32 - 1, '-a')),
    keyFile: optional(valueOf('k'), (v) => nonEmpty(v, '-k')),
    authDelaySeconds: optional(valueOf('e'), (v) => secondsIn(v, 0, 1, '-e')),
    syncMark: !has('no-sync-mark'),
    driftFile: has('no-drift') ? undefined : optional(valueOf('drift-file'), (v) => nonEmpty(v, '--drift-file')),
    nts: has('nts'),
    ntsCa: optional(valueOf('nts-ca'), (v) => nonEmpty(v, '--nts-ca')),
    ntsCache: optional(valueOf('nts-cache'), (v) => nonEmpty(v, '--nts-cache')),
    showVersion: has('version'),
    help: has('help'),
    ...parseSyslogOptions({
      syslog: has('s'),
      facility: valueOf('syslog-facility'),
      server: valueOf('syslog-server'),
      format: valueOf('syslog-format'),
    }),
  }
}

function readArgv(argv: readonly string[]): ReadArgv {
  const options = Object.fromEntries(OPTIONS.map((o) => [optionKey(o), { type: o.value === undefined ? 'boolean' : 'string', ...(o.short && { short: o.short }) }])) as NonNullable<
    ParseArgsConfig['options']
  >
  let tokens
  try {
    tokens = utilParseArgs({ args: joinDashedValues(argv), options, strict: true, allowPositionals: true, tokens: true }).tokens
  } catch (error) {
    throw new UsageError(describeParseError(error))
  }
  const given: ReadArgv['given'] = []
  const operands: string[] = []
  for (const token of tokens) {
    if (token.kind === 'option' && token.rawName === `--${token.name}` && OPTIONS.some((o) => o.long === undefined && o.short === token.name)) {
      throw new UsageError(`unknown option '${token.rawName}'`) // `-s` has no long form: `--s` is not it
    }
    if (token.kind === 'option') given.push({ key: token.name, value: token.value })
    else if (token.kind === 'positional') operands.push(token.value)
  }
  return { given, operands }
}

/** A lone `-` is neither an option nor a host name: it must not pass as a server. */
function checkOperand(operand: string): string {
  if (operand === '-') throw new UsageError("'-' is neither an option nor a server")
  return operand
}

/**
 * As with getopt, the word after an option that takes a value is that value even when it starts
 * with '-' (`--gap -1`, `-p -q`), so that a negative number reaches the range check instead of
 * reading as an option: parseArgs takes such a value only written as `--gap=-1` or `-p-1`.
 * Nothing after `--` is touched.
 */
export function joinDashedValues(argv: readonly string[]): string[] {
  const valuedLong = new Set(OPTIONS.filter((o) => o.value !== undefined && o.long).map((o) => `--${o.long}`))
  const valuedShort = new Set(OPTIONS.filter((o) => o.value !== undefined && o.short).map((o) => o.short))
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]
    if (token === undefined) break
    if (token === '--') return [...out, ...argv.slice(i)]
    const next = argv[i + 1]
    const dashedValueFollows = next !== undefined && next.startsWith('-')
    if (dashedValueFollows && valuedLong.has(token)) {
      out.push(`${token}=${next}`)
      i++
    } else if (dashedValueFollows && /^-[^-]/.test(token) && endsInValuedLetter(token, valuedShort)) {
      out.push(token + next)
      i++
    } else out.push(token)
  }
  return out
}

/** `-qp`: the bundle's letters up to its last are flags, and its last takes a value. */
function endsInValuedLetter(bundle: string, valued: ReadonlySet<string | undefined>): boolean {
  for (let j = 1; j < bundle.length; j++) if (valued.has(bundle[j])) return j === bundle.length - 1
  return false
}

/** parseArgs' errors, in one line that names the option. */
function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  const message = error instanceof Error ? error.message : String(error)
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? ''
  const forms = quoted.replace(/ <.*/, '')
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${quoted}'`
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /does not take an argument/.test(message)) {
    return `option '${forms.split(', ').at(-1)}' takes no value` // only `--name=value` gives a flag a value
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /argument missing/.test(message)) return `option '${forms}' needs a value`
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) return message.split('\n')[0] ?? message
  throw error
}

/** The last of several order-sensitive flags wins, as with getopt in classic ntpdate. */
function lastOf<T>(given: ReadArgv['given'], meanings: Readonly<Record<string, T>>): T | undefined {
  const last = given.findLast((g) => Object.hasOwn(meanings, g.key))
  return last && meanings[last.key]
}

function optional<T>(text: string | undefined, parse: (text: string) => T): T | undefined {
  return text === undefined ? undefined : parse(text)
}

/** An IP literal (no name: which address a name means may change, the source must not). */
function sourceAddressOf(text: string): string {
  if (isIP(text) === 0) throw new UsageError(`--source: '${text.slice(0, 64)}' is not an IPv4 or IPv6 address`)
  return text
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
