/** Servers as the user names them: `host`, `host:port`, `[v6]:port`. */
import { NTP_PORT } from '../ntp/endpoint.js'

/** What the user wrote, split into a host to resolve and a port. */
export interface ServerSpec {
  text: string
  host: string
  port: number
}

/** Parses `host`, `host:port`, `IPv4:port`, `[IPv6]`, `[IPv6]:port` or a bare IPv6 address (`defaultPort`: NTS-KE's 4460 with --nts). */
export function parseServerSpec(text: string, defaultPort = NTP_PORT): ServerSpec | { error: string } {
  const bad = (why: string) => ({ error: `bad server '${text}': ${why}` })
  if (text === '') return bad('empty name')
  let host: string
  let portText: string | undefined
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0) return bad("missing ']'")
    host = text.slice(1, close)
    const rest = text.slice(close + 1)
    if (rest !== '' && !rest.startsWith(':')) return bad("expected ':PORT' after ']'")
    portText = rest === '' ? undefined : rest.slice(1)
    if (!host.includes(':')) return bad('brackets are only for IPv6 addresses')
  } else if (text.indexOf(':') !== text.lastIndexOf(':')) {
    host = text // bare IPv6: two or more colons and no brackets, so no port
  } else {
    const colon = text.indexOf(':')
    host = colon < 0 ? text : text.slice(0, colon)
    portText = colon < 0 ? undefined : text.slice(colon + 1)
  }
  if (host === '') return bad('empty host')
  if (/[\s/@]/.test(host) || host.startsWith('-')) return bad('not a host name or address')
  const port = portText === undefined ? defaultPort : parsePort(portText)
  if (port === undefined) return bad(`port '${portText}' is not a number from 1 to 65535`)
  return { text, host, port }
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined
  const port = Number(text)
  return port >= 1 && port <= 65_535 ? port : undefined
}
