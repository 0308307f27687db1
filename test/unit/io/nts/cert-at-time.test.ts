/** io/nts/cert-at-time.ts: the PEM handed to openssl, and `openssl verify -attime` run for real (the wrong-clock rule). */
import { X509Certificate } from 'node:crypto'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { pemOf, verifyChainAt } from '../../../../src/io/nts/cert-at-time.js'
import { makeCa } from '../../../helpers/certificates.js'

t.test('pemOf: 64-character lines, no blank line, whatever the length (RFC 7468 §2)', async (t) => {
  for (let length = 1; length <= 400; length++) {
    const der = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 0xff)
    const lines = pemOf(der).split('\n')
    t.equal(lines.shift(), '-----BEGIN CERTIFICATE-----')
    t.same(lines.splice(-2), ['-----END CERTIFICATE-----', ''], `${length} bytes: ends with the END line and one newline`)
    if (!lines.every((line, i) => (i < lines.length - 1 ? line.length === 64 : line.length >= 1 && line.length <= 64))) {
      t.fail(`${length} bytes (${Buffer.from(der).toString('base64').length} base64 characters): ${JSON.stringify(lines.map((l) => l.length))}`)
    }
    t.equal(lines.join(''), Buffer.from(der).toString('base64'))
  }
})

const ca = makeCa(t)
const caPem = readFileSync(ca.caFile, 'utf8')

/** A certificate for localhost whose DER's base64 is (or is not) a whole number of 64-character lines. */
function certificate(multipleOf64: boolean): X509Certificate {
  // each character of a longer name adds a byte; 48 bytes are 64 base64 characters
  for (let n = 1; n < 200; n++) {
    const { certFile } = ca.issue(`sized-${multipleOf64}-${n}`, ['DNS:localhost', `DNS:${'a'.repeat(n)}.test`])
    const cert = new X509Certificate(readFileSync(certFile))
    if ((cert.raw.toString('base64').length % 64 === 0) === multipleOf64) return cert
  }
  throw new Error('no certificate of that size')
}

t.test('openssl verify -attime takes the PEM of a certificate of any length', async (t) => {
  for (const multipleOf64 of [true, false]) {
    const cert = certificate(multipleOf64)
    const base64 = cert.raw.toString('base64').length
    t.equal(pemOf(cert.raw), cert.toString(), `${base64} base64 characters: the PEM is OpenSSL's own`)
    t.equal(await verifyChainAt([pemOf(cert.raw)], 'localhost', Date.now() / 1000, [caPem]), undefined, `${base64} base64 characters: verifies`)
  }
})

t.test('a certificate that is not valid at that time, or not for that name: why, in OpenSSL words', async (t) => {
  const cert = certificate(false)
  const pem = [pemOf(cert.raw)]
  t.same(await verifyChainAt(pem, 'localhost', Date.now() / 1000 - 86_400, [caPem]), { invalid: 'certificate is not yet valid' })
  t.same(await verifyChainAt(pem, 'localhost', Date.now() / 1000 + 400 * 86_400, [caPem]), { invalid: 'certificate has expired' })
  t.same(await verifyChainAt(pem, 'elsewhere.test', Date.now() / 1000, [caPem]), { invalid: 'hostname mismatch' })
})

t.test('a verifier that cannot run: said so, the certificate not blamed', async (t) => {
  const pem = [pemOf(certificate(false).raw)]
  const now = Date.now() / 1000
  t.same(await verifyChainAt(pem, 'localhost', now, [caPem], join(ca.dir, 'no-openssl')), { unchecked: `${join(ca.dir, 'no-openssl')} is missing (install openssl)` })
  const notExecutable = join(ca.dir, 'not-executable')
  writeFileSync(notExecutable, '#!/bin/sh\nexit 0\n')
  chmodSync(notExecutable, 0o644)
  t.same(await verifyChainAt(pem, 'localhost', now, [caPem], notExecutable), { unchecked: `${notExecutable} is not executable (EACCES)` })
  const broken = join(ca.dir, 'broken-openssl')
  writeFileSync(broken, '#!/bin/sh\necho "openssl: something unexpected" >&2\nexit 1\n', { mode: 0o755 })
  t.same(await verifyChainAt(pem, 'localhost', now, [caPem], broken), { unchecked: `${broken} failed: openssl: something unexpected` })
})
