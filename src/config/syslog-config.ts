/** Syslog facility names, severities and --syslog-server URLs: values and parsing. Pure. */

/** syslog(3) facility codes (<syslog.h> LOG_* >> 3, RFC 5424 §6.2.1). `kern` is left out: user processes cannot log as the kernel. */
export const FACILITIES: Readonly<Record<string, number>> = {
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
}

export const DEFAULT_FACILITY = 'daemon'

/** The two severities tsntpdate logs at: results at NOTICE, warnings and errors at ERR, as classic ntpdate. */
export type LogSeverity = 'notice' | 'err'

/** RFC 5424 §6.2.1 severity codes, as <syslog.h>. */
export const SEVERITY_CODES: Readonly<Record<LogSeverity, number>> = { err: 3, notice: 5 }

export type SyslogFormat = 'rfc5424' | 'rfc3164'
export const SYSLOG_FORMATS: readonly SyslogFormat[] = ['rfc5424', 'rfc3164']
export const DEFAULT_SYSLOG_FORMAT: SyslogFormat = 'rfc5424'

export const DEFAULT_SYSLOG_PORT = 514

export interface SyslogServer {
  transport: 'udp' | 'tcp'
  /** a name or an address; IPv6 without brackets */
  host: string
  port: number
  /** as given on the command line, for messages */
  url: string
}

/** Where log lines go besides (or, with -s, instead of) the terminal. */
export type LogTarget = { kind: 'local'; facility: number } | { kind: 'remote'; server: SyslogServer; format: SyslogFormat; facility: number }

/** The facility code of a name (case-insensitive), or an error message. */
export function parseFacility(text: string): number | { error: string } {
  const name = text.toLowerCase()
  const code = Object.hasOwn(FACILITIES, name) ? FACILITIES[name] : undefined
  if (code !== undefined) return code
  return { error: `'${text}' is not a syslog facility (${Object.keys(FACILITIES).join(', ')})` }
}

/** `udp://HOST[:PORT]` or `tcp://HOST[:PORT]` (`[IPv6]` in brackets), or an error message. */
export function parseSyslogServer(text: string): SyslogServer | { error: string } {
  const error = { error: `'${text}' is not udp://HOST[:PORT] or tcp://HOST[:PORT]` }
  // URL refuses a port above 65535 outright; say what is wrong with it
  const port = /^[a-z]+:\/\/(?:\[[^\]]*\]|[^:/]*):(\d+)$/i.exec(text)?.[1]
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return { error: `'${text}': port ${port} is not from 1 to 65535` }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return error
  }
  const transport = url.protocol === 'udp:' ? 'udp' : url.protocol === 'tcp:' ? 'tcp' : undefined
  const bare = url.pathname === '' && url.search === '' && url.hash === '' && url.username === '' && url.password === ''
  if (!transport || !bare || url.hostname === '' || !/^[a-z]+:\/\//i.test(text)) return error
  const portNumber = url.port === '' ? DEFAULT_SYSLOG_PORT : Number(url.port)
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return { transport, host, port: portNumber, url: `${transport}://${host.includes(':') ? `[${host}]` : host}:${portNumber}` }
}

export interface SyslogChoice {
  /** -s: syslog(3) instead of the terminal */
  syslog: boolean
  syslogFacility: number
  /** --syslog-server: a copy of the syslog lines goes there */
  syslogServer: SyslogServer | undefined
  syslogFormat: SyslogFormat
}
