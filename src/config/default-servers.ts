/**
 * The servers to use when none is named: NTPSERVERS from the defaults file
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
}

export interface DefaultServers {
  servers: string[]
  from: 'NTPSERVERS' | 'step-tickers'
}

/** The servers; or the defaults file's first line outside what it may hold (parseDefaultsFile), or that none is configured. */
export function chooseDefaultServers(texts: DefaultServerTexts): DefaultServers | { error: string } {
  const parsed = texts.defaults === undefined ? undefined : parseDefaultsFile(texts.defaults, texts.defaultsPath ?? '/etc/default/tsntpdate')
  if (parsed && 'error' in parsed) return parsed
  const listed = words(parsed?.values.get('NTPSERVERS') ?? '')
  if (listed.length > 0) return { servers: listed, from: 'NTPSERVERS' }
  const tickers = words(texts.stepTickers === undefined ? '' : stepTickerServers(texts.stepTickers))
  if (tickers.length > 0) return { servers: tickers, from: 'step-tickers' }
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
