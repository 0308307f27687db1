/**
 * What one NTS-KE exchange leaves us with (RFC 8915 §4-§5): the keys, the cookies, and where to
 * send NTP. One per NTS-KE server; kept between runs in the cookie cache (cache-record.ts).
 */
export interface NtsSession {
  /** the NTS-KE server as named: its certificate was checked against `host` */
  keServer: { host: string; port: number }
  /** where NTP goes: the Server and Port records, else the NTS-KE server's address and 123 */
  ntpServer: { host: string; port: number }
  aead: number
  c2sKey: Uint8Array
  s2cKey: Uint8Array
  /** unused cookies, oldest first; each is sent once, then dropped */
  cookies: Uint8Array[]
  /** Unix seconds of the key exchange, by the local clock */
  obtainedAt: number
  keyExchange: 'fresh' | 'cached'
}

/** Keys and cookies are dropped this long after the key exchange that made them (as chrony does). */
export const SESSION_MAX_AGE_SECONDS = 28 * 86_400

/** Whether a session from the cache may still be used at `nowSeconds`; a clock behind it (wrong, or set back) does not expire it. */
export function isFresh(session: Pick<NtsSession, 'obtainedAt'>, nowSeconds: number): boolean {
  return nowSeconds - session.obtainedAt < SESSION_MAX_AGE_SECONDS
}
