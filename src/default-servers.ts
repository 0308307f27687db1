/**
 * The servers to use when none is named, the same way cron/ntpdate-hourly chooses them:
 * NTPSERVERS from the defaults file (/etc/default/tsntpdate), else the servers of
 * /etc/ntp/step-tickers, else pool.ntp.org. Pure: the shell reads the files.
 */

export const BUILT_IN_SERVER = 'pool.ntp.org'

export interface DefaultServerTexts {
  /** the defaults file's text, undefined when it could not be read */
  defaults?: string | undefined
  /** /etc/ntp/step-tickers' text, undefined when it could not be read */
  stepTickers?: string | undefined
}

export interface DefaultServers {
  servers: string[]
  from: 'NTPSERVERS' | 'step-tickers' | 'built-in'
}

export function chooseDefaultServers(texts: DefaultServerTexts): DefaultServers {
  const listed = words(texts.defaults === undefined ? '' : (ntpServersValue(texts.defaults) ?? ''))
  if (listed.length > 0) return { servers: listed, from: 'NTPSERVERS' }
  const tickers = words(texts.stepTickers === undefined ? '' : stepTickerServers(texts.stepTickers))
  if (tickers.length > 0) return { servers: tickers, from: 'step-tickers' }
  return { servers: [BUILT_IN_SERVER], from: 'built-in' }
}

/**
 * The value of the last `NTPSERVERS=` assignment of a shell-style defaults file, the way sh reads
 * the simple forms such a file uses: `NTPSERVERS="a b"`, `NTPSERVERS='a b'`, `NTPSERVERS=a`,
 * optionally after `export `, optionally followed by a `# comment`. Nothing is expanded: a `$`
 * stays as it is. undefined when there is no such line.
 */
export function ntpServersValue(text: string): string | undefined {
  let value: string | undefined
  for (const m of text.matchAll(/^[ \t]*(?:export[ \t]+)?NTPSERVERS=/gm)) {
    value = shellWordValue(text.slice(m.index + m[0].length))
  }
  return value
}

/** step-tickers: servers separated by blanks or newlines; `#` starts a comment. */
export function stepTickerServers(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .join(' ')
}

/** The value of the shell word at the start of `rest` (quoted, it may span lines). */
function shellWordValue(rest: string): string {
  const quote = rest[0]
  if (quote === "'") return /^'([^']*)/.exec(rest)![1]!
  if (quote === '"') return /^"((?:[^"\\]|\\.)*)/s.exec(rest)![1]!.replace(/\\(["\\$`])/g, '$1')
  return /^[^\s#;]*/.exec(rest)![0]
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== '')
}
