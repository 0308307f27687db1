/**
 * The servers to use when none is named: those DHCP handed out (as Debian's ntpdate-debian used
 * them: in place of NTPSERVERS; IGNORE_DHCP=yes in the defaults file turns that off, and so does
 * -a or --nts, since such servers cannot authenticate), else NTPSERVERS from the defaults file
 * (/etc/default/tsntpdate), else the servers of /etc/ntp/step-tickers. None is built in: the NTP
 * Pool asks vendors not to ship pool.ntp.org itself, and a clock set from servers nobody chose
 * is set by whoever answers. Pure: the shell reads the files.
 */
import { parseDefaultsFile } from './defaults-file.js'

export interface DefaultServerTexts {
  /** the defaults file's text, undefined when it could not be read */
  defaults?: string | undefined
  /** where the defaults file is, for messages (default /etc/default/tsntpdate) */
  defaultsPath?: string
  /** /etc/ntp/step-tickers' text, undefined when it could not be read */
  stepTickers?: string | undefined
  /** where step-tickers is, for messages (default /etc/ntp/step-tickers) */
  stepTickersPath?: string
  /** why a file that is there was not read (not a regular file, too large), one line each */
  warnings?: readonly string[]
  /** the servers DHCP handed out, one list per interface (the hooks' files, systemd-networkd's leases) */
  dhcp?: readonly DhcpServers[]
}

/** One interface's DHCP servers, as read: untrusted words from the network. */
export interface DhcpServers {
  /** where they came from, for messages: `/run/tsntpdate-dhcp/eth0` */
  from: string
  words: readonly string[]
}

/** At most this many DHCP servers in all (the hooks keep 8 per interface). */
export const MAX_DHCP_SERVERS = 16

export interface DefaultServers {
  servers: string[]
  from: 'DHCP' | 'NTPSERVERS' | 'step-tickers'
  /** DHCP words that are no server name or address, dropped: one line each */
  dropped?: string[]
}

/**
 * The servers; or the defaults file's first line outside what it may hold (parseDefaultsFile), or
 * that none is configured. `authenticated`: -a or --nts, which DHCP's servers cannot satisfy.
 */
export function chooseDefaultServers(texts: DefaultServerTexts, authenticated = false): DefaultServers | { error: string } {
  const parsed = texts.defaults === undefined ? undefined : parseDefaultsFile(texts.defaults, texts.defaultsPath ?? '/etc/default/tsntpdate')
  if (parsed && 'error' in parsed) return parsed
  const fromDhcp = parsed?.values.get('IGNORE_DHCP') !== 'yes' && !authenticated ? dhcpServers(texts.dhcp ?? []) : { servers: [], dropped: [] }
  const dropped = fromDhcp.dropped.length > 0 ? { dropped: fromDhcp.dropped } : {}
  if (fromDhcp.servers.length > 0) return { servers: fromDhcp.servers, from: 'DHCP', ...dropped }
  const listed = words(parsed?.values.get('NTPSERVERS') ?? '')
  if (listed.length > 0) return { servers: listed, from: 'NTPSERVERS', ...dropped }
  const tickers = words(texts.stepTickers === undefined ? '' : stepTickerServers(texts.stepTickers))
  if (tickers.length > 0) return { servers: tickers, from: 'step-tickers', ...dropped }
  const defaultsPath = texts.defaultsPath ?? '/etc/default/tsntpdate'
  return { error: `no server named, and none configured: name one, or set NTPSERVERS in ${defaultsPath} (or list servers in ${texts.stepTickersPath ?? '/etc/ntp/step-tickers'})` }
}

/** step-tickers: servers separated by blanks or newlines; `#` starts a comment. */
export function stepTickerServers(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .join(' ')
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== '')
}

/**
 * The DHCP lists' servers, checked again here (the hooks checked them too): a host name or an IP
 * address, nothing that could read as an option or carry a port; duplicates once; at most
 * MAX_DHCP_SERVERS.
 */
export function dhcpServers(lists: readonly DhcpServers[]): { servers: string[]; dropped: string[] } {
  const servers: string[] = []
  const dropped: string[] = []
  for (const { from, words } of lists) {
    for (const word of words) {
      if (!isServerWord(word)) dropped.push(`${from}: '${word.slice(0, 64)}' is no server name or address; ignored`)
      else if (!servers.includes(word) && servers.length < MAX_DHCP_SERVERS) servers.push(word)
    }
  }
  return { servers, dropped }
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/

function isServerWord(word: string): boolean {
  return HOST_NAME.test(word) || (word.includes(':') && IPV6.test(word))
}
