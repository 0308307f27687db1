/** Every command-line option, once: cli/args.ts parses by it and --help prints it. */

export interface OptionSpec {
  /** the letter of the short form (`-p`), if there is one; short letters bundle as with getopt (`-qp4`) */
  short?: string
  /** the long form without its dashes (`samples` for `--samples`), if there is one */
  long?: string
  /** the placeholder of an option that takes a value (`n` in `--samples <n>`); absent: a flag */
  value?: string
  description: string
}

export const OPTIONS: readonly OptionSpec[] = [
  { short: '4', long: 'ipv4', description: 'resolve and query IPv4 addresses only' },
  { short: '6', long: 'ipv6', description: 'resolve and query IPv6 addresses only' },
  { short: 'a', value: 'keyid', description: 'authenticate requests and replies with key KEYID of the key file' },
  { short: 'B', long: 'slew', description: 'always slew the clock (adjtime), even for large offsets' },
  { short: 'b', long: 'step', description: 'always step the clock (clock_adjtime ADJ_SETOFFSET), even for small offsets' },
  { short: 'd', long: 'debug', description: 'trace the run; never touch the clock' },
  { short: 'e', value: 'seconds', description: 'authentication delay, 0 to 1 (accepted; nothing needs correcting)' },
  { short: 'k', value: 'file', description: 'key file, ntpd or chrony format (default /etc/ntp.keys); used with -a' },
  { short: 'o', long: 'ntp-version', value: 'n', description: 'NTP version in requests, 1-4 (default 4)' },
  { short: 'p', long: 'samples', value: 'n', description: 'samples per server, 1-8 (default 4; 1 with -q)' },
  { short: 'q', long: 'query', description: 'query only: print the offsets, do not set the clock' },
  { short: 's', description: 'log to syslog (facility daemon) instead of the terminal' },
  { short: 't', long: 'timeout', value: 'seconds', description: 'per-request timeout (default 2)' },
  { short: 'u', description: 'unprivileged source port (always the case; accepted for compatibility)' },
  { short: 'v', long: 'version', description: 'print the version (and exit when no server is given)' },
  { long: 'source', value: 'address', description: 'send from this local IPv4 or IPv6 address (multi-homed hosts, VRFs); implies -4 or -6' },
  { long: 'gap', value: 'seconds', description: 'spacing of the samples to one server (default 2)' },
  { long: 'max-step', value: 'seconds', description: 'refuse to step or slew by more than this (exit 4)' },
  { long: 'max-offset', value: 'seconds', description: 'check only: exit 3 when |offset| is above this (implies -q)' },
  { long: 'json', description: 'print one JSON document on stdout instead of the classic lines' },
  { long: 'metrics-file', value: 'path', description: 'write node_exporter textfile metrics to PATH (atomically)' },
  { long: 'syslog-facility', value: 'name', description: 'syslog facility: daemon (default), user, local0-local7, ...' },
  { long: 'syslog-server', value: 'url', description: 'also log to udp://HOST[:PORT] or tcp://HOST[:PORT] (port 514)' },
  { long: 'syslog-format', value: 'format', description: 'remote syslog format: rfc5424 (default) or rfc3164' },
  {
    long: 'drift-file',
    value: 'path',
    description: "record each run in PATH, learn the clock's rate error from the last one, and when setting the clock set the kernel frequency by it (JSON frequency)",
  },
  { long: 'no-drift', description: 'ignore --drift-file: record nothing, estimate nothing, leave the kernel frequency alone' },
  { long: 'no-sync-mark', description: 'after a set, leave the kernel clock marked unsynchronised (no 11-minute RTC writes)' },
  { long: 'nts', description: 'NTS (RFC 8915): servers are NTS-KE servers (port 4460); only authenticated replies count' },
  { long: 'nts-ca', value: 'file', description: 'with --nts: also trust the CAs in this PEM file' },
  { long: 'nts-cache', value: 'dir', description: 'with --nts: cookie cache (default /var/lib/tsntpdate, ~/.local/state/tsntpdate)' },
  { long: 'force', description: 'set the clock even while a time daemon keeps it (else exit 5)' },
  { short: 'h', long: 'help', description: 'print this help' },
]

/** How an option is written in --help: `-p, --samples <n>`, `--json`, `-s`. */
export function optionFlags(option: OptionSpec): string {
  const forms = [option.short && `-${option.short}`, option.long && `--${option.long}`].filter(Boolean).join(', ')
  return option.value === undefined ? forms : `${forms} <${option.value}>`
}

/** The name an option's value is kept under: its long form, else its letter. */
export function optionKey(option: OptionSpec): string {
  return option.long ?? option.short!
}

export const USAGE =
  'usage: tsntpdate [-46bBdqsuv] [-a key#] [-e delay] [-k file] [-p samples] [-o version#] [-t timeo] [--source address] [--gap s] [--max-step s] [--max-offset s] [--json] [--metrics-file path] [--force] [--no-sync-mark] [--drift-file path] [--no-drift] [--syslog-facility name] [--syslog-server url] [--syslog-format f] [--nts [--nts-ca file] [--nts-cache dir]] [server[:port] ...]'

export function helpText(version: string): string {
  const width = Math.max(...OPTIONS.map((o) => optionFlags(o).length))
  const lines = OPTIONS.map((o) => `  ${optionFlags(o).padEnd(width)}  ${o.description}`)
  return [`tsntpdate ${version}: set or check the clock from NTP servers, once`, '', USAGE, '', 'Options:', ...lines, ''].join('\n')
}
