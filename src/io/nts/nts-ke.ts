/**
 * One NTS-KE exchange over TLS 1.3 (RFC 8915 §4): connect, check the certificate and ALPN,
 * send the request, read the records until End of Message, and export the keys (§5.1) before
 * the connection closes. The records themselves are auth/nts/ke-records.ts's.
 */
import { errorCode } from '../../errors.js'
import { isIP } from 'node:net'
import { checkServerIdentity, connect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls'
import { pemOf } from './cert-at-time.js'
import { encodeKeRequest, KeResponseReader, AEAD_AES_SIV_CMAC_256 } from '../../auth/nts/ke-records.js'
import type { KeResult, KeSettings, KeTarget } from '../../ports.js'

const ALPN = 'ntske/1'
const EXPORTER_LABEL = 'EXPORTER-network-time-security'
const KEY_BYTES = 32
/**
 * The certificate errors the wrong-clock rule lets through until the time is known. OpenSSL reports
 * its last error, and the dates are checked last, so an untrusted chain may show as one of these
 * too: what makes the rule safe is the full verification at the time obtained (io/nts/cert-at-time.ts).
 */
const TIME_ERRORS = new Set(['CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED'])

/** A key exchange that failed: the message names the reason in a sysadmin's words. */
export class KeError extends Error {}

export function exchangeKeys(target: KeTarget, settings: KeSettings): Promise<KeResult> {
  return new Promise<KeResult>((resolve, reject) => {
    let settled = false
    const reader = new KeResponseReader()
    // monotonic, for the deadline only (no NTP timestamp is read here)
    const deadline = process.hrtime.bigint() + BigInt(Math.round(settings.timeoutSeconds * 1e9))
    let unverifiedDates: KeResult['unverifiedDates']
    const socket: TLSSocket = connect({
      host: target.address,
      port: target.port,
      ...(settings.localAddress !== undefined && { localAddress: settings.localAddress }),
      // RFC 6066 §3: no SNI for an IP address; the certificate is then checked for the address
      ...(isIP(target.name) ? {} : { servername: target.name }),
      ALPNProtocols: [ALPN],
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      ca: settings.trustedCas,
      // judged below, before a byte is sent, so that the wrong-clock rule can see why
      rejectUnauthorized: false,
      checkServerIdentity: (_host, cert) => checkServerIdentity(target.name, cert),
    })
    const fail = (message: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      reject(new KeError(message))
    }
    const timedOut = () => fail(`NTS-KE timed out after ${settings.timeoutSeconds} s`)
    const timer = setTimeout(timedOut, settings.timeoutSeconds * 1000)
    socket.on('secureConnect', () => {
      if (socket.alpnProtocol !== ALPN) return fail(NO_ALPN)
      if (!socket.authorized) {
        const error = String(socket.authorizationError)
        if (!settings.overlookDates || !TIME_ERRORS.has(error)) return fail(`certificate: ${describeCertError(error)}`)
        const cert = socket.getPeerCertificate(true)
        const identity = checkServerIdentity(target.name, cert)
        if (identity) return fail(`certificate: ${describeCertError(errorCode(identity) ?? identity.message)}`)
        unverifiedDates = { error: describeCertError(error), chainPem: chainOf(cert) }
      } else if (settings.overlookDates) {
        // valid by a clock that may be wrong: it must be valid at the time obtained too
        unverifiedDates = { error: 'valid by the local clock only', chainPem: chainOf(socket.getPeerCertificate(true)) }
      }
      socket.write(encodeKeRequest())
    })
    socket.on('data', (chunk: Buffer) => {
      if (settled) return
      // many records decrypted from one read arrive in one go, with no timer run in between
      if (process.hrtime.bigint() > deadline) return timedOut()
      const parsed = reader.push(chunk)
      if ('incomplete' in parsed) return
      if ('failure' in parsed) return fail(parsed.failure)
      const [c2sKey, s2cKey] = [0, 1].map((direction) => exportKey(socket, direction))
      settled = true
      clearTimeout(timer)
      socket.end()
      resolve({ response: parsed.complete, c2sKey: c2sKey!, s2cKey: s2cKey!, ...(unverifiedDates && { unverifiedDates }) })
    })
    socket.on('error', (error: NodeJS.ErrnoException) => fail(describeSocketError(error)))
    socket.on('close', () => fail('NTS-KE server closed the connection before End of Message'))
  })
}

/** §5.1: context = Protocol ID (NTPv4, 0) ‖ AEAD id ‖ 0 for client-to-server, 1 for server-to-client. */
function exportKey(socket: TLSSocket, direction: number): Uint8Array {
  const context = Buffer.from([0, 0, AEAD_AES_SIV_CMAC_256 >> 8, AEAD_AES_SIV_CMAC_256 & 0xff, direction])
  return new Uint8Array(socket.exportKeyingMaterial(KEY_BYTES, EXPORTER_LABEL, context))
}

function chainOf(leaf: DetailedPeerCertificate): string[] {
  const chain: string[] = []
  for (let cert: DetailedPeerCertificate | undefined = leaf; cert?.raw && chain.length < 10;) {
    chain.push(pemOf(cert.raw))
    cert = cert.issuerCertificate === cert ? undefined : cert.issuerCertificate
  }
  return chain
}

const CERT_ERRORS: Readonly<Record<string, string>> = {
  CERT_NOT_YET_VALID: 'not yet valid (is the local clock behind?)',
  CERT_HAS_EXPIRED: 'expired (or the local clock is ahead)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed and not trusted (--nts-ca names a CA to trust)',
  SELF_SIGNED_CERT_IN_CHAIN: 'issued by an untrusted CA (--nts-ca names a CA to trust)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'issued by an untrusted CA (--nts-ca names a CA to trust)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'issued by an untrusted CA (--nts-ca names a CA to trust)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'not for this host name or address',
  CERT_SIGNATURE_FAILURE: 'bad signature',
  CERT_REVOKED: 'revoked',
}

function describeCertError(code: string): string {
  return CERT_ERRORS[code] ? `${CERT_ERRORS[code]} (${code})` : code
}

const NO_ALPN = `the server does not offer the ${ALPN} protocol (ALPN): is it an NTS-KE server?`

function describeSocketError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    // RFC 8915 §3: TLS 1.3 or later only. OpenSSL servers answer a 1.3-only hello with the alert;
    // others pick an older version, which our side refuses.
    case 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION':
    case 'ERR_SSL_UNSUPPORTED_PROTOCOL':
      return 'the server does not speak TLS 1.3, which NTS-KE requires'
    case 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL':
      return NO_ALPN
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return 'the server does not answer in TLS: is it an NTS-KE port?'
    case 'ECONNREFUSED':
      return 'NTS-KE connection refused'
    case 'ECONNRESET':
      return 'NTS-KE connection reset'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `NTS-KE server unreachable (${error.code})`
  }
  if (error.code?.startsWith('ERR_SSL') || /ssl|tls|alert/i.test(error.message)) return `TLS handshake failed: ${error.message.split('\n')[0]}`
  return `NTS-KE failed: ${error.message}`
}
