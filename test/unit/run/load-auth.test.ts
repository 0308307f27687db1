/** src/run/load-auth.ts: whose key file, and who may write it (issue 22, defect 8). */
import { chmodSync, chownSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadAuth } from '../../../src/run/load-auth.js'
import { UsageError } from '../../../src/errors.js'
import { readConfigFile } from '../../../src/io/files/read-config-file.js'
import { symmetricAuth } from '../../../src/io/crypto/symmetric-digest.js'
import type { ConfigFileRead, KeySources } from '../../../src/ports.js'

const EUID = process.geteuid?.() ?? 0
const OTHER = EUID === 65534 ? 65533 : 65534
const TEXT = '1 MD5 ASCII:secret\n'
const sources = (read: ConfigFileRead): KeySources => ({ readKeyFile: () => read, symmetricAuth: async (key) => symmetricAuth(key) })
const load = async (read: ConfigFileRead) => {
  const warnings: string[] = []
  try {
    await loadAuth(1, '/etc/k', sources(read), (line) => warnings.push(line))
    return { warnings }
  } catch (error) {
    return { warnings, error: error as Error }
  }
}

t.test('a key file of ours that only we may write: used; one others may read: one warning', async (t) => {
  t.same(await load({ text: TEXT, mode: 0o100600, uid: EUID }), { warnings: [] })
  t.same(await load({ text: TEXT, mode: 0o100640, uid: EUID }), {
    warnings: ['key file /etc/k is open to others (mode 0640); keys are secrets: chmod 600 /etc/k'],
  })
})

t.test('a key file owned by another user, or writable by group or others: refused, one usage error', async (t) => {
  const cases: [ConfigFileRead, string][] = [
    [{ text: TEXT, mode: 0o100600, uid: OTHER }, `-k /etc/k: the key file belongs to uid ${OTHER}, neither root nor us (uid ${EUID}); not used`],
    [{ text: TEXT, mode: 0o100666, uid: EUID }, '-k /etc/k: the key file is writable by group or others (mode 0666); not used: chmod 600 /etc/k'],
    [{ text: TEXT, mode: 0o100620, uid: EUID }, '-k /etc/k: the key file is writable by group or others (mode 0620); not used: chmod 600 /etc/k'],
    [{ text: TEXT, mode: 0o100602, uid: EUID }, '-k /etc/k: the key file is writable by group or others (mode 0602); not used: chmod 600 /etc/k'],
  ]
  for (const [read, message] of cases) {
    const { error, warnings } = await load(read)
    t.ok(error instanceof UsageError, `${message}: a usage error`)
    t.equal(error?.message, message)
    t.same(warnings, [], 'and no warning besides')
  }
  const bad = await load({ text: '1 MD5 ASCII:correct horse\n', mode: 0o100600, uid: OTHER })
  t.match(bad.error?.message, /belongs to uid/, 'judged before its lines are read')
})

t.test('the real reader gives the owner of what it opened, through a symlink too', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-load-auth-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'keys')
  writeFileSync(file, TEXT)
  chmodSync(file, 0o600)
  symlinkSync(file, join(dir, 'link'))
  t.match(readConfigFile(file), { text: TEXT, uid: EUID })
  const real: KeySources = { readKeyFile: readConfigFile, symmetricAuth: async (key) => symmetricAuth(key) }
  t.match(await loadAuth(1, join(dir, 'link'), real, () => {}), { keyId: 1, algorithm: 'MD5' })
  if (EUID !== 0 && !process.env['CI']) return void t.comment('skipped: chown needs root')
  chownSync(file, OTHER, OTHER)
  await t.rejects(
    loadAuth(1, join(dir, 'link'), real, () => {}),
    new UsageError(`-k ${join(dir, 'link')}: the key file belongs to uid ${OTHER}, neither root nor us (uid ${EUID}); not used`),
  )
})
