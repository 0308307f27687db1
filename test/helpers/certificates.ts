/**
 * A private CA and server certificates for the NTS tests, made with the real openssl. The files sit
 * in a directory _chrony can search, the keys readable by _chrony, so chronyd can serve them.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Teardown } from './teardown.js'
import { FAKETIME } from './chronyd.js'

export interface Ca {
  dir: string
  caFile: string
  /** a server certificate for these SANs (`IP:127.0.20.1`, `DNS:localhost`); `shiftDays` makes it as if issued that many days from now */
  issue(name: string, sans: readonly string[], options?: { shiftDays?: number; days?: number }): { certFile: string; keyFile: string }
}

/** `shiftDays`: made as if that many days from now (valid from then for 10 years). */
export function makeCa(t: Teardown, cn = 'tsntpdate test NTS CA', shiftDays = 0): Ca {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-ca-'))
  chmodSync(dir, 0o755)
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const caFile = join(dir, 'ca.pem')
  const caKey = join(dir, 'ca.key')
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '3650',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      caKey,
      '-out',
      caFile,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    ],
    shift(shiftDays),
  )
  return {
    dir,
    caFile,
    issue(name, sans, options = {}) {
      const keyFile = join(dir, `${name}.key`)
      const certFile = join(dir, `${name}.pem`)
      const csr = join(dir, `${name}.csr`)
      const ext = join(dir, `${name}.ext`)
      openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', csr])
      writeFileSync(ext, `subjectAltName=${sans.join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`)
      const sign = ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-days', String(options.days ?? 365), '-extfile', ext, '-out', certFile]
      openssl(sign, shift(options.shiftDays ?? 0))
      chmodSync(keyFile, 0o644) // chronyd reads it as _chrony; a test key, thrown away with the directory
      return { certFile, keyFile }
    },
  }
}

function shift(days: number): string | undefined {
  return days === 0 ? undefined : `${days > 0 ? '+' : '-'}${Math.abs(days)}d`
}

function openssl(args: string[], fakeShift?: string): void {
  const [command, argv] = fakeShift ? [FAKETIME, ['-f', fakeShift, 'openssl', ...args]] : ['openssl', args]
  const result = spawnSync(command, argv, { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr || result.error?.message}`)
}
