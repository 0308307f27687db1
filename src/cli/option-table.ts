/** Every command-line option, once: cac registers them from here and --help prints them. */

export interface OptionSpec {
  /** short and long forms as cac reads them, e.g. '-p, --samples <n>' */
  flags: string
  description: string
  /** the short letter, for getopt-style bundling (`-qp4`) */
  short?: string
  takesValue?: boolean
  /** a feature of a later release: recognised, refused with exit 2 */
  notYet?: string
}

export const OPTIONS: readonly OptionSpec[] = [
  { flags: '-4, --ipv4', short: '4', description: 'resolve and query IPv4 addresses only' },
  { flags: '-6, --ipv6', short: '6', description: 'resolve and query IPv6 addresses only' },
  { flags: '-a <keyid>', short: 'a', takesValue: true, description: 'authenticate with key KEYID', notYet: 'symmetric-key authentication' },
  { flags: '-B, --slew', short: 'B', description: 'always slew the clock (adjtime), even for large offsets' },
  { flags: '-b, --step', short: 'b', description: 'always step the clock (clock_settime), even for small offsets' },
  { flags: '-d, --debug', short: 'd', description: 'trace the run; never touch the clock' },
  { flags: '-e <seconds>', short: 'e', takesValue: true, description: 'authentication delay', notYet: 'symmetric-key authentication' },
  { flags: '-k <file>', short: 'k', takesValue: true, description: 'key file', notYet: 'symmetric-key authentication' },
  { flags: '-o, --ntp-version <n>', short: 'o', takesValue: true, description: 'NTP version in requests, 1-4 (default 4)' },
  { flags: '-p, --samples <n>', short: 'p', takesValue: true, description: 'samples per server, 1-8 (default 4; 1 with -q)' },
  { flags: '-q, --query', short: 'q', description: 'query only: print the offsets, do not set the clock' },
  { flags: '-s', short: 's', description: 'log to syslog (facility daemon) instead of the terminal' },
  { flags: '-t, --timeout <seconds>', short: 't', takesValue: true, description: 'per-request timeout (default 2)' },
  { flags: '-u', short: 'u', description: 'unprivileged source port (always the case; accepted for compatibility)' },
  { flags: '-v, --version', short: 'v', description: 'print the version (and exit when no server is given)' },
  { flags: '--gap <seconds>', takesValue: true, description: 'spacing of the samples to one server (default 2)' },
  { flags: '--max-step <seconds>', takesValue: true, description: 'refuse to step or slew by more than this (exit 4)' },
  { flags: '--max-offset <seconds>', takesValue: true, description: 'check only: exit 3 when |offset| is above this (implies -q)' },
  { flags: '--json', description: 'print one JSON document on stdout instead of the classic lines' },
  { flags: '--metrics-file <path>', takesValue: true, description: 'write node_exporter textfile metrics to PATH (atomically)' },
  { flags: '--syslog-facility <name>', takesValue: true, description: 'syslog facility: daemon (default), user, local0-local7, ...' },
  { flags: '--syslog-server <url>', takesValue: true, description: 'also log to udp://HOST[:PORT] or tcp://HOST[:PORT] (port 514)' },
  { flags: '--syslog-format <format>', takesValue: true, description: 'remote syslog format: rfc5424 (default) or rfc3164' },
  { flags: '--force', description: 'set the clock even while a time daemon keeps it (else exit 5)' },
  { flags: '-h, --help', short: 'h', description: 'print this help' },
]

export const USAGE = 'usage: tsntpdate [-46bBdqsuv] [-a key#] [-e delay] [-k file] [-p samples] [-o version#] [-t timeo] [--gap s] [--max-step s] [--max-offset s] [--json] [--metrics-file path] [--force] [--syslog-facility name] [--syslog-server url] [--syslog-format f] [server[:port] ...]'

export function helpText(version: string): string {
  const width = Math.max(...OPTIONS.map((o) => o.flags.length))
  const lines = OPTIONS.map((o) => `  ${o.flags.padEnd(width)}  ${o.description}${o.notYet ? ' (not yet supported)' : ''}`)
  return [`tsntpdate ${version}: set or check the clock from NTP servers, once`, '', USAGE, '', 'Options:', ...lines, ''].join('\n')
}
