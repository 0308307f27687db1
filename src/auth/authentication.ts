/**
 * How a server's replies are authenticated, as --json and -d show it, and what the query loop asks
 * of an authentication scheme: a request to send in place of the plain one, and the check its
 * reply must pass. Symmetric keys (symmetric.ts) and NTS (nts/) both plug in here.
 */
import type { Authenticate } from '../ntp/classify.js'

export type Authentication = { method: 'symmetric'; keyId: number; algorithm: string } | { method: 'nts'; keyExchange: 'fresh' | 'cached'; aead: number; ntpServer: string }

export interface ProtectedRequest {
  bytes: Uint8Array
  /** the test a reply to this request must pass to count, or to be obeyed as a kiss */
  check: Authenticate
}

export interface RequestAuth {
  description: Authentication
  /**
   * The request `plain` (a 48-byte header whose transmit timestamp is the nonce) as it goes on the
   * wire; undefined when no more requests can be authenticated (NTS: no cookie left).
   */
  protect(plain: Uint8Array): ProtectedRequest | undefined
}
