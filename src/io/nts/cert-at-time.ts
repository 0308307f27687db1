/**
 * The wrong-clock rule's second half: is a certificate chain valid at a given time? OpenSSL's own
 * verifier decides (`openssl verify -attime`, with the same CAs as the handshake, the TLS server
 * purpose and the host name or address), as Node's TLS cannot verify at any time but now.
 */
import { errorText } from '../../errors.js'
import { execFile, type ExecFileException } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChainProblem } from '../../ports.js'

const OPENSSL = '/usr/bin/openssl'
const VERIFY_TIMEOUT_MS = 5_000

/**
 * A DER certificate as PEM (RFC 7468 §2): base64 in lines of 64 characters. A line break goes only
 * between two lines: after a last line of exactly 64, one would leave a blank line before the END
 * line, which OpenSSL refuses to read.
 */
export function pemOf(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/.{64}(?=.)/g, '$&\n')}\n-----END CERTIFICATE-----\n`
}

/** Why a chain is not valid (in OpenSSL's words), or why it could not be checked (the verifier's fault, not the certificate's). */

/** undefined when `chainPem` (leaf first) is valid for `name` at `atSeconds` (Unix); else why not. `openssl` is for the tests. */
export async function verifyChainAt(chainPem: readonly string[], name: string, atSeconds: number, trustedCas: readonly string[], openssl = OPENSSL): Promise<ChainProblem | undefined> {
  const [leaf, ...intermediates] = chainPem
  if (!leaf) return { invalid: 'no certificate to check' }
  let dir: string
  try {
    dir = mkdtempSync(join(tmpdir(), 'tsntpdate-verify-'))
  } catch (error) {
    return { unchecked: `no directory for its files: ${errorText(error)}` }
  }
  try {
    const file = (base: string, text: string) => {
      const path = join(dir, base)
      writeFileSync(path, text, { mode: 0o600 })
      return path
    }
    const args = [
      'verify',
      '-attime',
      String(Math.floor(atSeconds)),
      '-purpose',
      'sslserver',
      isIP(name) ? '-verify_ip' : '-verify_hostname',
      name,
      '-CAfile',
      file('trusted.pem', trustedCas.join('\n')),
      ...(intermediates.length > 0 ? ['-untrusted', file('intermediates.pem', intermediates.join(''))] : []),
      file('leaf.pem', leaf),
    ]
    return await new Promise<ChainProblem | undefined>((resolve) => {
      execFile(openssl, args, { timeout: VERIFY_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (!error) return resolve(undefined)
        resolve(verifierProblem(openssl, error, `${stderr}\n${stdout}`))
      })
    })
  } catch (error) {
    return { unchecked: `no files for it: ${errorText(error)}` }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** `openssl verify` names the first failure as `error N at D depth lookup: why`; without that line, it did not get to verify. */
function verifierProblem(openssl: string, error: ExecFileException, output: string): ChainProblem {
  // a string code is why it could not start (spawn); a number, its exit status
  switch (error.code) {
    case 'ENOENT':
      return { unchecked: `${openssl} is missing (install openssl)` }
    case 'EACCES':
      return { unchecked: `${openssl} is not executable (EACCES)` }
  }
  if (typeof error.code === 'string') return { unchecked: `${openssl} cannot be run (${error.code})` }
  if (error.killed) return { unchecked: `${openssl} did not finish within ${VERIFY_TIMEOUT_MS / 1000} s` }
  const why = output.match(/error \d+ at \d+ depth lookup: (.*)/)?.[1]
  if (why) return { invalid: why }
  const said = output.split('\n').find((line) => line.trim() !== '')
  return { unchecked: `${openssl} failed: ${said?.trim() ?? (error.signal ? `killed by ${error.signal}` : `exit status ${error.code}`)}` }
}
