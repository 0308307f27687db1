/**
 * -a/-k against a real chronyd serving a key file: every key type chronyd 4.3 serves, from an
 * ntpd-format and a chrony-format file on our side; wrong keys, servers without a MAC, bad files,
 * files not ours alone, and a file in chrony's own reading (CRLF, `;` comments, `#` in keys).
 * Address block of this file: 127.0.19.x (chronyd on ports 11901 and 11902).
 */
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startChronyd } from '../helpers/chronyd.js'
import { describeRun, lines, parseQueryOutput, runCli } from '../helpers/cli.js'
import { replyTo, startScriptServer } from '../helpers/script-server.js'
import { withMac } from '../../src/auth/symmetric.js'
import { symmetricAuth } from '../../src/io/crypto/symmetric-digest.js'

const AES = '2B7E151628AED2A6ABF7158809CF4F3C'
const SHA1 = '0123456789ABCDEF0123456789ABCDEF01234567'
const SHA256 = 'A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90'
const SERVED = [`1 MD5 HEX:${AES}`, `2 SHA1 HEX:${SHA1}`, `3 SHA256 HEX:${SHA256}`, `4 AES128 HEX:${AES}`, '5 MD5 ASCII:secret', ''].join('\n')
/** the same keys as ntpd writes them: hex when longer than 20 characters, else ASCII */
const NTPD_FORM = [`1 MD5 ${AES}`, `2 SHA1 ${SHA1}`, `3 SHA256 ${SHA256}`, `4 AES128CMAC ${AES}`, '5 M secret', ''].join('\n')
const ALGORITHMS: Record<number, string> = { 1: 'MD5', 2: 'SHA1', 3: 'SHA256', 4: 'AES128CMAC', 5: 'MD5' }

const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-keys-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const keyFile = (name: string, text: string, mode = 0o600) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  chmodSync(path, mode)
  return path
}
const chronyFile = keyFile('chrony.keys', SERVED)
const ntpdFile = keyFile('ntp.keys', NTPD_FORM)
const keyed = await startChronyd(t, { address: '127.0.19.1', port: 11901, keys: SERVED })
const FAST = ['-p', '4', '--gap', '0.05', '-t', '1']

t.test('every key type, from both file formats: selected, within 100 µs of truth, authenticated', async (t) => {
  for (const file of [ntpdFile, chronyFile]) {
    for (const id of [1, 2, 3, 4, 5]) {
      const r = await runCli(['-q', '--json', '-a', String(id), '-k', file, ...FAST, keyed.spec])
      const what = `key ${id} (${ALGORITHMS[id]}) from ${file.endsWith('ntp.keys') ? 'ntpd' : 'chrony'} format`
      t.equal(r.code, 0, `${what}: exit 0`, { output: describeRun(r) })
      const doc = JSON.parse(r.stdout || '{}') as { offset: number; selected: string; servers: Array<{ authentication: unknown; status: string }> }
      t.equal(doc.selected, keyed.spec, what)
      t.ok(Math.abs(doc.offset) < 0.0001, `${what}: offset ${doc.offset} within 100 µs`)
      t.same(doc.servers[0]?.authentication, { method: 'symmetric', keyId: id, algorithm: ALGORITHMS[id] }, `${what}: authentication`)
    }
  }
})

t.test('-d says every reply was MAC-verified', async (t) => {
  const r = await runCli(['-d', '-a', '4', '-k', chronyFile, ...FAST, keyed.spec])
  t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
  const replies = lines(r.stdout).filter((line) => line.startsWith('reply from'))
  t.ok(replies.length >= 4)
  for (const line of replies) t.match(line, /, MAC verified \(key 4, AES128CMAC\)$/)
})

t.test('a wrong key: chronyd does not answer a MAC it cannot verify; the server is dropped, exit 1', async (t) => {
  const wrong = keyFile('wrong.keys', `4 AES128 HEX:${'00'.repeat(16)}\n`)
  const r = await runCli(['-d', '-a', '4', '-k', wrong, ...FAST, keyed.spec])
  t.equal(r.code, 1, 'exit 1', { output: describeRun(r) })
  t.match(r.stdout, /127\.0\.19\.1:11901: dropped, no reply within the timeout/)
  t.match(r.stderr, /no server suitable for synchronization found \(-a 4: only replies that verify with key 4 count, and a server without that key does not answer\)$/m)
})

t.test('a reply signed with another key, or with another key id: ignored, the server rejected:unauthenticated', async (t) => {
  for (const [name, signer] of [
    ['another key', symmetricAuth({ id: 4, algorithm: 'AES128CMAC', key: new Uint8Array(16) })],
    ['another key id', symmetricAuth({ id: 5, algorithm: 'MD5', key: new TextEncoder().encode('secret') })],
  ] as const) {
    const forger = await startScriptServer(t, '127.0.19.4', (request, from, server) => server.send(withMac(replyTo(request), signer), from))
    const spec = `127.0.19.4:${forger.port}`
    const r = await runCli(['-d', '--json', '-a', '4', '-k', chronyFile, ...FAST, spec])
    t.equal(r.code, 1, `${name}: exit 1`, { output: describeRun(r) })
    t.match(r.stderr, name === 'another key' ? /ignored datagram from 127\.0\.19\.4 port \d+: MAC does not verify with our key/ : /MAC with key id 5, not ours/)
    t.match(r.stderr, /: dropped, no reply authenticated with our key \(\d+ datagrams ignored\)/)
    const doc = JSON.parse(r.stdout) as { servers: Array<{ status: string; offset: unknown }> }
    t.match(doc.servers[0], { status: 'rejected:unauthenticated', offset: null, authentication: null })
    await forger.close()
  }
})

t.test('a server that answers without a MAC: alone exit 1; beside the keyed chronyd, the keyed one is chosen', async (t) => {
  const plain = await startScriptServer(t, '127.0.19.2', (request, from, server) => server.send(replyTo(request), from))
  const spec = `127.0.19.2:${plain.port}`
  const alone = await runCli(['-q', '-a', '1', '-k', chronyFile, ...FAST, spec])
  t.equal(alone.code, 1, 'alone: exit 1', { output: describeRun(alone) })
  t.match(alone.stderr, /no server suitable for synchronization found/)
  const beside = await runCli(['-q', '-a', '1', '-k', chronyFile, ...FAST, spec, keyed.spec])
  t.equal(beside.code, 0, 'beside: exit 0', { output: describeRun(beside) })
  t.equal(parseQueryOutput(beside.stdout).final?.server, keyed.spec, 'the keyed server is selected')
  t.same(
    parseQueryOutput(beside.stdout).servers.map((s) => s.server),
    [keyed.spec],
    'the plain server never votes, and has no server line',
  )
})

t.test('bad key files, a missing key, a missing file: exit 2 with one line naming it, before any packet', async (t) => {
  const cases: [string[], RegExp][] = [
    [['-a', '1', '-k', keyFile('bad1.keys', '1 RC4 secret\n')], /bad1\.keys:1: the key type is not one of M, MD5, /],
    [['-a', '1', '-k', keyFile('bad2.keys', '# x\n1 SHA1 0123456789abcdef0123456789abcdef0123456z\n')], /bad2\.keys:2: the key is not an even number of hex digits$/],
    [['-a', '1', '-k', keyFile('bad3.keys', '1 AES128 HEX:00\n')], /bad3\.keys:1: an AES128CMAC key must be 16 bytes, not 1$/],
    [['-a', '1', '-k', keyFile('bad4.keys', '1\n')], /bad4\.keys:1: not of the form KEYID \[TYPE\] KEY$/],
    [['-a', '9', '-k', chronyFile], /-a 9: .*chrony\.keys has no key 9$/],
    [['-a', '1', '-k', join(dir, 'absent.keys')], /-k .*absent\.keys: no such key file, or it cannot be read$/],
    [['-a', '1', '-k', dir], /is a directory, not a regular file$/],
    [['-a', '1', '-k', keyFile('writable.keys', SERVED, 0o666)], /-k .*writable\.keys: the key file is writable by group or others \(mode 0666\); not used: chmod 600 /],
    [['-a', '1', '-k', keyFile('group.keys', SERVED, 0o620)], /-k .*group\.keys: the key file is writable by group or others \(mode 0620\)/],
    [['-a', '1', '-k', keyFile('secret-line.keys', '1 MD5 ASCII:correct horse\n')], /secret-line\.keys:1: not of the form KEYID \[TYPE\] KEY$/],
    [['-a', '1', '-k', keyFile('secret-type.keys', '1 ASCII:correct horse\n')], /secret-type\.keys:1: the key type is not one of /],
  ]
  // chown needs root; in CI the tests run as root, and nothing may be skipped there
  if (process.getuid?.() === 0 || process.env['CI']) {
    const foreign = keyFile('foreign.keys', SERVED)
    chownSync(foreign, 65534, 65534)
    cases.push([['-a', '1', '-k', foreign], new RegExp(`-k .*foreign\\.keys: the key file belongs to uid 65534, neither root nor us \\(uid ${process.geteuid?.()}\\); not used$`)])
  } else {
    t.comment('skipped: a key file of another user (chown needs root)')
  }
  for (const [args, pattern] of cases) {
    const silent = await startScriptServer(t, '127.0.19.3', () => {})
    const r = await runCli(['-q', ...args, `127.0.19.3:${silent.port}`])
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`, { output: describeRun(r) })
    t.match(lines(r.stderr).at(-1) ?? '', pattern)
    t.equal(lines(r.stderr).length, 1, 'one line')
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')
    t.equal(silent.requests.length, 0, 'no packet was sent')
    t.notMatch(r.stderr, /correct|horse/, 'no word of a key line')
    await silent.close()
  }
})

t.test('a key file as chrony reads it: CRLF ends, ; % ! comments, # inside keys; chronyd serving the same file agrees', async (t) => {
  const text = ['; written on Windows', '% by hand', '! with every comment chrony knows', '7 SHA256 ASCII:pass#word;1', '8 bare#key', ''].join('\r\n')
  const chronyd = await startChronyd(t, { address: '127.0.19.5', port: 11902, keys: text })
  const file = keyFile('crlf.keys', text)
  for (const id of [7, 8]) {
    const r = await runCli(['-q', '--json', '-a', String(id), '-k', file, ...FAST, chronyd.spec])
    t.equal(r.code, 0, `key ${id}: exit 0`, { output: describeRun(r) })
    const doc = JSON.parse(r.stdout || '{}') as { selected: string; servers: Array<{ authentication: unknown }> }
    t.equal(doc.selected, chronyd.spec, `key ${id}: selected`)
    t.same(doc.servers[0]?.authentication, { method: 'symmetric', keyId: id, algorithm: id === 7 ? 'SHA256' : 'MD5' }, `key ${id}: authenticated`)
  }
  // the key cut at its # (ntpd's reading of a bare key) is another key: chronyd does not answer
  const cut = keyFile('cut.keys', '7 SHA256 ASCII:pass\n')
  const r = await runCli(['-q', '-a', '7', '-k', cut, ...FAST, chronyd.spec])
  t.equal(r.code, 1, 'the key cut at # is not the one chronyd serves: exit 1', { output: describeRun(r) })
})

t.test('a key file others can read: one warning, and the run goes on', async (t) => {
  const open = keyFile('open.keys', SERVED, 0o644)
  const r = await runCli(['-q', '-a', '1', '-k', open, ...FAST, keyed.spec])
  t.equal(r.code, 0, 'exit 0', { output: describeRun(r) })
  t.match(r.stderr, /key file .*open\.keys is open to others \(mode 0644\); keys are secrets: chmod 600 /)
})

t.test('-e is accepted, range-checked, and changes nothing', async (t) => {
  const r = await runCli(['-q', '-e', '0.5', '-a', '1', '-k', chronyFile, ...FAST, keyed.spec])
  t.equal(r.code, 0, { output: describeRun(r) })
  t.ok(Math.abs(parseQueryOutput(r.stdout).final?.offset ?? 1) < 0.0001, 'no 0.5 s correction')
  t.equal((await runCli(['-q', '-e', '2', keyed.spec])).code, 2, '-e 2: out of range')
})

t.test('--drift-file with -a learns only from runs that were authenticated too', async (t) => {
  const drift = join(dir, 'drift')
  const plain = await runCli(['-q', '--json', '--drift-file', drift, ...FAST, keyed.spec])
  t.equal(plain.code, 0, describeRun(plain))
  const keyedRun = ['-d', '-a', '4', '-k', chronyFile, '--drift-file', drift, ...FAST, keyed.spec]
  const after = await runCli(keyedRun)
  t.equal(after.code, 0, describeRun(after))
  t.match(after.stdout, /drift: no estimate: the earlier run was not authenticated \(-a, --nts\)/, 'the unauthenticated record is not used')
  const again = await runCli(keyedRun)
  t.notMatch(again.stdout, /not authenticated/, 'an authenticated record is', { output: describeRun(again) })
  t.match(again.stdout, /drift: (\+|-)|drift: no estimate: .*too short a basis/)
})
