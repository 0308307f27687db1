/**
 * The wrong-clock rule's second half: is a certificate chain valid at a given time? OpenSSL's own
 * verifier decides (`openssl verify -attime`, with the same CAs as the handshake, the TLS server
 * purpose and the host name or address), as Node's TLS cannot verify at any time but now.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const OPENSSL = '/usr/bin/openssl'
const VERIFY_TIMEOUT_MS = 5_000

/** undefined when `chainPem` (leaf first) is valid for `name` at `atSeconds` (Unix); else why not. */
export async function verifyChainAt(chainPem: readonly string[], name: string, atSeconds: number, trustedCas: readonly string[]): Promise<string | undefined> {
  const [leaf, ...intermediates] = chainPem
  if (!leaf) return 'no certificate to check'
  let dir: string
  try {
    dir = mkdtempSync(join(tmpdir(), 'tsntpdate-verify-'))
  } catch (error) {
    return `cannot check it: ${(error as Error).message.split(', ')[0]}`
  }
  try {
    const file = (base: string, text: string) => {
      const path = join(dir, base)
      writeFileSync(path, text, { mode: 0o600 })
      return path
    }
    const args = [
      'verify',
      '-attime', String(Math.floor(atSeconds)),
      '-purpose', 'sslserver',
      isIP(name) ? '-verify_ip' : '-verify_hostname', name,
      '-CAfile', file('trusted.pem', trustedCas.join('\n')),
      ...(intermediates.length > 0 ? ['-untrusted', file('intermediates.pem', intermediates.join(''))] : []),
      file('leaf.pem', leaf),
    ]
    return await new Promise<string | undefined>((resolve) => {
      execFile(OPENSSL, args, { timeout: VERIFY_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (!error) return resolve(undefined)
        const detail = `${stderr}\n${stdout}`.match(/error \d+ at \d+ depth lookup: (.*)/)?.[1]
        resolve(detail ?? ((error as NodeJS.ErrnoException).code === 'ENOENT' ? `${OPENSSL} is missing` : 'does not verify'))
      })
    })
  } catch (error) {
    return `cannot check it: ${(error as Error).message.split(', ')[0]}`
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
