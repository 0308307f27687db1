/** NTS as the query loop sees it (auth/authentication.ts): each request spends a cookie, each authenticated reply brings new ones. */
import type { RequestAuth } from '../authentication.js'
import type { NtpPacket } from '../../ntp/packet.js'
import type { Aead } from './aead.js'
import { checkNtsReply, cookiesToRequest, NONCE_BYTES, protectRequest, UNIQUE_ID_BYTES } from './extension-fields.js'
import { MAX_COOKIES } from './ke-records.js'
import type { NtsSession } from './session.js'

export interface NtsCiphers {
  c2s: Aead
  s2c: Aead
}

/** `ntpServer`: how --json names where NTP went, `ADDR:PORT`. */
export function ntsRequestAuth(session: NtsSession, ciphers: NtsCiphers, randomBytes: (count: number) => Uint8Array, ntpServer: string): RequestAuth {
  return {
    description: { method: 'nts', keyExchange: session.keyExchange, aead: session.aead, ntpServer },
    protect(plain) {
      const cookie = session.cookies.shift()
      if (!cookie) return undefined
      const uniqueId = randomBytes(UNIQUE_ID_BYTES)
      const parts = { uniqueId, nonce: randomBytes(NONCE_BYTES), cookie, cookiesWanted: cookiesToRequest(session.cookies.length, cookie.length, MAX_COOKIES) }
      const bytes = protectRequest(plain, parts, ciphers.c2s)
      const check = (reply: Uint8Array, packet: NtpPacket) => {
        const result = checkNtsReply(reply, packet, uniqueId, ciphers.s2c)
        if ('kind' in result) return result
        const room = MAX_COOKIES - session.cookies.length
        session.cookies.push(...result.cookies.slice(0, Math.max(0, room)))
        return null
      }
      return { bytes, check }
    },
  }
}
