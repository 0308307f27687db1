/**
 * One cookie-cache file: a session as JSON text, and back. Anything that is not a whole, valid
 * record reads as corrupt: the file is then ignored and replaced. Pure.
 */
import type { NtsSession } from './session.js'
import { AEAD_AES_SIV_CMAC_256, MAX_COOKIE_BYTES, MAX_COOKIES } from './ke-records.js'

const FORMAT = 'tsntpdate-nts-1'
const KEY_BYTES = 32

export function encodeCacheRecord(session: NtsSession): string {
  const record = {
    format: FORMAT,
    keServer: session.keServer,
    ntpServer: session.ntpServer,
    aead: session.aead,
    obtainedAt: session.obtainedAt,
    c2sKey: hex(session.c2sKey),
    s2cKey: hex(session.s2cKey),
    cookies: session.cookies.map(hex),
  }
  return JSON.stringify(record) + '\n'
}

/** The cached session for `keServer`, or why the text is none. */
export function decodeCacheRecord(text: string, keServer: NtsSession['keServer']): NtsSession | { corrupt: string } {
  let record: unknown
  try {
    record = JSON.parse(text)
  } catch {
    return { corrupt: 'not JSON' }
  }
  if (!isObject(record) || record['format'] !== FORMAT) return { corrupt: 'not a tsntpdate NTS cache record' }
  const { ntpServer, aead, obtainedAt, c2sKey, s2cKey, cookies } = record
  const cachedKe = record['keServer']
  // host names are case-insensitive, as the file name is
  if (!isEndpoint(cachedKe) || cachedKe.host.toLowerCase() !== keServer.host.toLowerCase() || cachedKe.port !== keServer.port) {
    return { corrupt: 'for another NTS-KE server' }
  }
  if (!isEndpoint(ntpServer)) return { corrupt: 'no NTP server' }
  if (aead !== AEAD_AES_SIV_CMAC_256) return { corrupt: 'unknown AEAD' }
  if (typeof obtainedAt !== 'number' || !Number.isFinite(obtainedAt)) return { corrupt: 'no time of the key exchange' }
  const keys = [c2sKey, s2cKey].map((k) => bytesOf(k, KEY_BYTES, KEY_BYTES))
  if (keys.some((k) => k === undefined)) return { corrupt: 'bad keys' }
  if (!Array.isArray(cookies) || cookies.length > MAX_COOKIES) return { corrupt: 'bad cookies' }
  const decoded = cookies.map((c) => bytesOf(c, 1, MAX_COOKIE_BYTES))
  if (decoded.some((c) => c === undefined)) return { corrupt: 'bad cookies' }
  return {
    keServer,
    ntpServer: { host: ntpServer.host, port: ntpServer.port },
    aead,
    c2sKey: keys[0]!,
    s2cKey: keys[1]!,
    cookies: decoded as Uint8Array[],
    obtainedAt,
    keyExchange: 'cached',
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isEndpoint(value: unknown): value is { host: string; port: number } {
  return isObject(value) && typeof value['host'] === 'string' && value['host'] !== '' && Number.isInteger(value['port']) && (value['port'] as number) >= 1 && (value['port'] as number) <= 65_535
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

function bytesOf(value: unknown, min: number, max: number): Uint8Array | undefined {
  if (typeof value !== 'string' || !/^([0-9a-f]{2})+$/.test(value)) return undefined
  const bytes = new Uint8Array(Buffer.from(value, 'hex'))
  return bytes.length >= min && bytes.length <= max ? bytes : undefined
}
