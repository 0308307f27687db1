/**
 * --nts against a real chronyd NTS server (certificate and CA made here with openssl), and against
 * NTS-KE servers of our own for what a real one won't do: junk cookies and a plain NTP server
 * named, NAKs. The cookie cache, the wrong-clock rule (tsntpdate under faketime), IPv6.
 * Address block of this file: 127.0.20.x (chronyd NTP on 124xx, NTS-KE on 1246x) and ::1.
 */
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer as createTcpServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { FAKETIME, startChronyd } from '../helpers/chronyd.js'
import { cleanEnv, describeRun, lines, runCli, runCommand, BIN } from '../helpers/cli.js'
import { makeCa } from '../helpers/certificates.js'
import { keResponse, startKeServer, startTcpRelay } from '../helpers/nts-ke-server.js'
import { replyTo, startScriptServer } from '../helpers/script-server.js'
import { startSilentTcp } from '../helpers/silent-tcp.js'
import { kissOfDeath } from '../helpers/unit.js'
import { decodePacket, encodePacket } from '../../src/ntp/packet.js'
import type { JsonReport } from '../../src/report/json.js'

const REAL = '127.0.20.1'
const ca = makeCa(t)
const real = ca.issue('real', [`IP:${REAL}`, 'IP:::1', 'DNS:localhost'])
await startChronyd(t, { address: REAL, port: 12401, nts: { kePort: 12460, ...real } })
const KE = `${REAL}:12460`
const NTP = `${REAL}:12401`

const scratch = mkdtempSync(join(tmpdir(), 'tsntpdate-nts-'))
t.teardown(() => rmSync(scratch, { recursive: true, force: true }))
let caches = 0
const newCache = () => join(scratch, `cache-${++caches}`)

const nts = (cache: string, ...args: string[]) => runCli(['-q', '--json', '--nts', '--nts-ca', ca.caFile, '--nts-cache', cache, ...args])
const report = (stdout: string) => JSON.parse(stdout) as JsonReport

t.test('a fresh run: NTS-KE, then NTP with cookies; the cache keeps the keys and what is left of the cookies', async (t) => {
  const cache = newCache()
  const run = await nts(cache, '-d', KE)
  t.equal(run.code, 0, describeRun(run))
  const doc = report(run.stdout)
  const [server] = doc.servers
  t.match(server, { status: 'selected', address: REAL, port: 12401, authentication: { method: 'nts', keyExchange: 'fresh', aead: 15, ntpServer: NTP } })
  t.ok(Math.abs(doc.offset!) < 0.001, `loopback offset ${doc.offset}`)
  t.match(run.stderr, /NTS-KE 127\.0\.20\.1:12460 \(127\.0\.20\.1\): 8 cookies, AEAD 15, NTP at 127\.0\.20\.1:12401/)
  t.match(run.stderr, /NTS-authenticated \(fresh keys\)/)
  t.match(run.stderr, /8 cookies kept for the next run/, 'the reply brought a cookie back for the one spent')
  t.equal(statSync(cache).mode & 0o777, 0o700, 'cache directory 0700')
  const files = readdirSync(cache)
  t.same(files, ['nts-ke_127.0.20.1_12460.json'], 'one file for the NTS-KE server, no temp file left')
  t.equal(statSync(join(cache, files[0]!)).mode & 0o777, 0o600, 'cache file 0600')
  t.notMatch(run.stderr + run.stdout, new RegExp(JSON.parse(readFileSync(join(cache, files[0]!), 'utf8')).cookies[0]), 'no cookie is ever printed')

  const again = await nts(cache, '-d', KE)
  t.equal(again.code, 0, describeRun(again))
  t.match(report(again.stdout).servers[0], { status: 'selected', authentication: { keyExchange: 'cached' } })
  t.match(again.stderr, /8 cookies from the cache .*no TLS/)
})

t.test('from the cache, an hourly run needs no NTS-KE server at all', async (t) => {
  const relay = await startTcpRelay(t, REAL, { address: REAL, port: 12460 })
  const cache = newCache()
  const first = await nts(cache, `${REAL}:${relay.port}`)
  t.equal(first.code, 0, describeRun(first))
  await relay.close()
  for (let i = 0; i < 3; i++) {
    const run = await nts(cache, `${REAL}:${relay.port}`)
    t.equal(run.code, 0, describeRun(run))
    t.match(report(run.stdout).servers[0], { status: 'selected', authentication: { keyExchange: 'cached', ntpServer: NTP } })
  }
  const cookies = JSON.parse(readFileSync(join(cache, readdirSync(cache)[0]!), 'utf8')).cookies as string[]
  t.equal(new Set(cookies).size, cookies.length, 'every cookie in the cache is a different one')
})

t.test('an untrusted certificate, a refused port, a name the certificate is not for: one line each, exit 1', async (t) => {
  const untrusted = await runCli(['-q', '--nts', '--nts-cache', newCache(), KE])
  t.equal(untrusted.code, 1, describeRun(untrusted))
  t.match(untrusted.stderr, /NTS server 127\.0\.20\.1:12460: certificate: issued by an untrusted CA/)
  t.match(untrusted.stderr, /no servers can be used, exiting: NTS failed for every server/)
  const refused = await nts(newCache(), `${REAL}:12469`)
  t.equal(refused.code, 1)
  t.match(refused.stderr, /NTS server 127\.0\.20\.1:12469: NTS-KE connection refused/)
  t.match(report(refused.stdout).servers[0], { status: 'rejected:nts', reason: 'NTS-KE connection refused', samples: [] })
  const other = ca.issue('other', ['IP:127.0.20.9'])
  const wrongName = await startKeServer(t, REAL, other, () => keResponse({ cookies: [new Uint8Array(64)] }))
  const misnamed = await nts(newCache(), `${REAL}:${wrongName.port}`)
  t.equal(misnamed.code, 1)
  t.match(misnamed.stderr, /certificate: not for this host name or address/)
  t.equal(lines(misnamed.stderr).length, 2, 'one line for the server, one for the run')

  const silent = await startSilentTcp(t, '127.0.20.8')
  const hung = await nts(newCache(), '-t', '0.5', `${silent.address}:${silent.port}`, KE)
  t.equal(hung.code, 0, describeRun(hung))
  t.match(hung.stderr, /NTS server 127\.0\.20\.8:\d+: NTS-KE timed out after 0\.5 s/)
  t.ok(hung.ms < 2500, `a key exchange that hangs costs -t (0.5 s), the run took ${hung.ms} ms`)
  t.equal(report(hung.stdout).selected, NTP, 'the other server still votes')
})

t.test('--nts-ca missing or without a certificate, -a beside --nts, no server named: usage errors, nothing sent', async (t) => {
  const missing = await runCli(['-q', '--nts', '--nts-ca', join(scratch, 'nope.pem'), KE])
  t.equal(missing.code, 2)
  t.match(missing.stderr, /--nts-ca .*nope\.pem: no such file/)
  const junk = join(scratch, 'junk.pem')
  writeFileSync(junk, 'hello\n')
  const notPem = await runCli(['-q', '--nts', '--nts-ca', junk, KE])
  t.equal(notPem.code, 2)
  t.match(notPem.stderr, /no PEM certificate/)
  const both = await runCli(['-q', '--nts', '-a', '1', KE])
  t.equal(both.code, 2)
  const none = join(scratch, 'absent')
  const unnamed = await runCli(['-q', '--nts'], { env: { ...cleanEnv(), TSNTPDATE_DEFAULTS_FILE: none, TSNTPDATE_STEP_TICKERS: none } })
  t.equal(unnamed.code, 2, describeRun(unnamed))
  t.match(unnamed.stderr, /no server named, and none configured: name one, or set NTPSERVERS/)
  const listed = join(scratch, 'defaults')
  writeFileSync(listed, `NTPSERVERS="${KE}"\n`)
  const fromDefaults = await runCli(['-q', '--nts', '--nts-ca', ca.caFile, '--nts-cache', newCache()], { env: { ...cleanEnv(), TSNTPDATE_DEFAULTS_FILE: listed, TSNTPDATE_STEP_TICKERS: none } })
  t.equal(fromDefaults.code, 0, describeRun(fromDefaults))
})

t.test('a hostile NTS-KE server with a valid certificate: junk cookies, a plain NTP server named; nothing of it counts', async (t) => {
  // the NTP server it names answers with the time, our Unique Identifier and a forged authenticator
  const plain = await startScriptServer(t, '127.0.20.4', async (request, from, self) => {
    const uid = decodePacket(request).extensions.find((e) => e.type === 0x0104)
    const forged = new Uint8Array(36)
    forged.set([0, 16, 0, 16])
    const reply = decodePacket(replyTo(request, {}, 5))
    await self.send(encodePacket({ ...reply, extensions: [...(uid ? [uid] : []), { type: 0x0404, value: forged }] }), from)
  })
  const hostileCert = ca.issue('hostile', ['IP:127.0.20.3'])
  const junk = Array.from({ length: 8 }, (_, i) => new Uint8Array(100).fill(i + 1))
  const hostile = await startKeServer(t, '127.0.20.3', hostileCert, () => keResponse({ cookies: junk, ntpServer: plain.address, ntpPort: plain.port }))
  const alone = await nts(newCache(), '-p', '2', `127.0.20.3:${hostile.port}`)
  t.equal(alone.code, 1, describeRun(alone))
  const [server] = report(alone.stdout).servers
  t.match(server, { address: '127.0.20.4', port: plain.port, status: 'rejected:unauthenticated', samples: [], offset: null, authentication: null })
  t.equal(plain.requests.length, 2, 'it got the requests, and its replies were all ignored')
  t.match(alone.stderr, /NTS server 127\.0\.20\.3:\d+: no authenticated reply \(2 unauthenticated datagrams ignored\)/)
  const beside = await nts(newCache(), `127.0.20.3:${hostile.port}`, KE)
  t.equal(beside.code, 0, describeRun(beside))
  const doc = report(beside.stdout)
  t.equal(doc.selected, NTP)
  t.match(
    doc.servers.find((s) => s.address === '127.0.20.4'),
    { status: 'rejected:unauthenticated', samples: [] },
  )
})

t.test('malformed NTS-KE responses: no cookies, another AEAD, an unknown critical record, an error record', async (t) => {
  const cert = ca.issue('faulty', ['IP:127.0.20.5'])
  const cases: [string, Uint8Array, RegExp][] = [
    ['no cookies', keResponse({ cookies: [] }), /NTS-KE server sent no cookies/],
    ['AEAD 30', keResponse({ cookies: [new Uint8Array(64)], aead: 30 }), /no common AEAD algorithm/],
    ['critical 0x4000', keResponse({ cookies: [new Uint8Array(64)], extra: [new Uint8Array([0xc0, 0x00, 0, 0])] }), /unknown critical record \(type 16384\)/],
    ['error 1', new Uint8Array([0x80, 2, 0, 2, 0, 1, 0x80, 0, 0, 0]), /NTS-KE server sent error 1 \(bad request\)/],
  ]
  for (const [name, records, expected] of cases) {
    const server = await startKeServer(t, '127.0.20.5', cert, () => records)
    const run = await nts(newCache(), `127.0.20.5:${server.port}`)
    t.equal(run.code, 1, `${name}: ${describeRun(run)}`)
    t.match(run.stderr, expected, name)
  }
})

t.test('NAK: cookies of keys the server no longer has get a fresh key exchange; a server that NAKs again is given up', async (t) => {
  // a second chronyd: restarted, it has new server keys, and the cached cookies are no good
  const port = 12402
  const cache = newCache()
  let server = await startChronyd(t, { address: '127.0.20.2', port, nts: { kePort: 12462, ...ca.issue('nak', ['IP:127.0.20.2']) } })
  t.equal((await nts(cache, '127.0.20.2:12462')).code, 0)
  await server.stop()
  server = await startChronyd(t, { address: '127.0.20.2', port, nts: { kePort: 12462, ...ca.issue('nak2', ['IP:127.0.20.2']) } })
  const run = await nts(cache, '-d', '127.0.20.2:12462')
  t.equal(run.code, 0, describeRun(run))
  t.match(run.stderr, /kiss-o'-death NTSN|NTSN/)
  t.match(run.stderr, /NTS NAK, new key exchange/)
  t.match(report(run.stdout).servers[0], { status: 'selected', authentication: { keyExchange: 'fresh' } })

  // our own NTP server that NAKs every request, with the right Unique Identifier
  const naks = await startScriptServer(t, '127.0.20.6', async (request, from, self) => {
    const packet = decodePacket(request)
    const uid = packet.extensions.find((e) => e.type === 0x0104)
    await self.send(encodePacket({ ...kissOfDeath(packet.transmitTime, 'NTSN'), extensions: uid ? [uid] : [] }), from)
  })
  const ke = await startKeServer(t, '127.0.20.6', ca.issue('naks', ['IP:127.0.20.6']), () => keResponse({ cookies: [new Uint8Array(64).fill(7)], ntpServer: naks.address, ntpPort: naks.port }))
  const givenUp = await nts(newCache(), `127.0.20.6:${ke.port}`)
  t.equal(givenUp.code, 1, describeRun(givenUp))
  t.match(givenUp.stderr, /NTS server 127\.0\.20\.6:\d+: NTS NAK: the server refused our cookies, also after a fresh key exchange/)
  t.equal(ke.connections, 2, 'one fresh key exchange after the NAK, no more')
  t.equal(naks.requests.length, 2)
})

t.test('the cookie cache: a corrupt file is replaced, a file or directory others could write is not trusted', async (t) => {
  const cache = newCache()
  t.equal((await nts(cache, KE)).code, 0)
  const file = join(cache, 'nts-ke_127.0.20.1_12460.json')
  const before = statSync(file).ino
  t.equal((await nts(cache, KE)).code, 0)
  t.not(statSync(file).ino, before, 'replaced by rename, not rewritten in place')

  writeFileSync(file, '{"format": "tsntpdate-nts-1", "cookies": [')
  const corrupt = await nts(cache, '-d', KE)
  t.equal(corrupt.code, 0, describeRun(corrupt))
  t.match(corrupt.stderr, /cache for 127\.0\.20\.1:12460 is corrupt \(not JSON\); ignored, and replaced/)
  t.match(report(corrupt.stdout).servers[0]?.authentication, { keyExchange: 'fresh' })
  t.equal(statSync(file).mode & 0o777, 0o600)
  t.match(JSON.parse(readFileSync(file, 'utf8')), { format: 'tsntpdate-nts-1' })

  chmodSync(file, 0o644)
  const open = await nts(cache, KE)
  t.equal(open.code, 0)
  t.match(open.stderr, /is not ours alone .*mode 644.*not used/)
  t.match(report(open.stdout).servers[0]?.authentication, { keyExchange: 'fresh' })
  t.equal(statSync(file).mode & 0o777, 0o600, 'the new file is 0600 again')

  rmSync(file)
  const target = join(scratch, 'elsewhere')
  writeFileSync(target, 'precious\n')
  symlinkSync(target, file)
  const linked = await nts(cache, KE)
  t.equal(linked.code, 0, describeRun(linked))
  t.match(linked.stderr, /is a symbolic link; not used/)
  t.equal(readFileSync(target, 'utf8'), 'precious\n', 'a symlink in the cache is never followed')
  t.ok(lstatSync(file).isFile(), 'the symlink is replaced by a file of ours')

  const shared = newCache()
  t.equal((await nts(shared, KE)).code, 0)
  chmodSync(shared, 0o755)
  const readable = await nts(shared, KE)
  t.equal(readable.code, 0, 'the time work goes on')
  t.match(readable.stderr, /NTS cookie cache not used: .* is open to others \(mode 0755\); chmod 700 /)
  t.match(report(readable.stdout).servers[0]?.authentication, { keyExchange: 'fresh' })
  t.equal(statSync(shared).mode & 0o777, 0o755, 'a directory that was there is never changed (it might be /tmp)')
  const notMine = newCache()
  t.equal((await nts(notMine, KE)).code, 0)
  ;(await import('node:fs')).chownSync(notMine, 65534, 65534)
  const foreign = await nts(notMine, KE)
  t.equal(foreign.code, 0, 'the time work goes on')
  t.match(foreign.stderr, /NTS cookie cache not used: .* belongs to uid 65534/)
  t.equal(lines(foreign.stderr).length, 1, 'one warning')
  t.match(report(foreign.stdout).servers[0]?.authentication, { keyExchange: 'fresh' })

  const unwritable = join(scratch, 'file-not-dir')
  writeFileSync(unwritable, '')
  const noDir = await nts(join(unwritable, 'cache'), KE)
  t.equal(noDir.code, 0)
  t.equal(lines(noDir.stderr).length, 1, `one warning: ${noDir.stderr}`)
})

t.test('the wrong-clock rule: a local clock before this release may take a not-yet-valid certificate, checked at the time obtained', async (t) => {
  const env = { ...cleanEnv(), FAKETIME_DONT_FAKE_MONOTONIC: '1' }
  const behind = (cache: string, ...args: string[]) =>
    runCommand([FAKETIME, '-f', '-730d', process.execPath, BIN, '-q', '--json', '--nts', '--nts-ca', ca.caFile, '--nts-cache', cache, ...args], { env })
  const run = await behind(newCache(), '-d', KE)
  t.equal(run.code, 0, describeRun(run))
  t.match(run.stderr, /certificate not yet valid .*checked at the time obtained/)
  t.match(run.stderr, /certificate valid at the time obtained, 20\d\d-/)
  const offset = report(run.stdout).offset!
  t.ok(Math.abs(offset - 730 * 86_400) < 1, `offset ${offset} is the 730 days the clock is behind`)

  // a certificate not valid at the real time either: what the server says cannot make it valid
  const future = ca.issue('future', ['IP:127.0.20.7'], { shiftDays: 30 })
  const early = await startChronyd(t, { address: '127.0.20.7', port: 12407, nts: { kePort: 12467, ...future } })
  const atRealTime = await nts(newCache(), `${early.address}:12467`)
  t.equal(atRealTime.code, 1, describeRun(atRealTime))
  t.match(atRealTime.stderr, /certificate: not yet valid \(is the local clock behind\?\) \(CERT_NOT_YET_VALID\)/, 'a clock after this release gets no leeway')
  const fromThePast = await behind(newCache(), `${early.address}:12467`)
  t.equal(fromThePast.code, 1, describeRun(fromThePast))
  t.match(fromThePast.stderr, /certificate not valid at the time obtained, 20\d\d-.*: certificate is not yet valid/)
  t.match(report(fromThePast.stdout).servers[0], { status: 'rejected:nts', samples: [] })

  // valid by the wrong clock, expired by the time obtained: an old stolen key cannot pin the clock
  const oldCa = makeCa(t, 'an old CA', -800)
  const old = oldCa.issue('old', ['IP:127.0.20.10'], { shiftDays: -800, days: 365 })
  const expired = await startChronyd(t, { address: '127.0.20.10', port: 12410, nts: { kePort: 12470, ...old } })
  const oldCaEnv = { ...cleanEnv(), FAKETIME_DONT_FAKE_MONOTONIC: '1' }
  const pinned = await runCommand([FAKETIME, '-f', '-730d', process.execPath, BIN, '-q', '-d', '--json', '--nts', '--nts-ca', oldCa.caFile, '--nts-cache', newCache(), `${expired.address}:12470`], {
    env: oldCaEnv,
  })
  t.equal(pinned.code, 1, describeRun(pinned))
  t.match(pinned.stderr, /certificate valid by the local clock only: the local clock is before this release/)
  t.match(pinned.stderr, /certificate not valid at the time obtained, 20\d\d-.*: certificate has expired/)
})

t.test('IPv6: NTS-KE and NTP over ::1', async (t) => {
  const v6 = await startChronyd(t, { address: '::1', port: 12403, nts: { kePort: 12463, ...real } })
  const run = await nts(newCache(), '-6', `[::1]:12463`)
  t.equal(run.code, 0, describeRun(run))
  t.match(report(run.stdout).servers[0], { address: '::1', port: v6.port, status: 'selected', authentication: { ntpServer: '[::1]:12403' } })
})

t.test('a cached session whose NTP server no longer resolves, or gives no authenticated answer: a fresh key exchange in the same run, and the record replaced', async (t) => {
  const cache = newCache()
  t.equal((await nts(cache, KE)).code, 0)
  const file = join(cache, 'nts-ke_127.0.20.1_12460.json')
  const edit = (ntpServer: { host: string; port: number }) => {
    const record = JSON.parse(readFileSync(file, 'utf8'))
    writeFileSync(file, JSON.stringify({ ...record, ntpServer }) + '\n')
    return record.cookies as string[]
  }

  const cookies = edit({ host: 'gone.invalid', port: 12401 })
  const unresolved = await nts(cache, '-d', KE)
  t.equal(unresolved.code, 0, describeRun(unresolved))
  t.match(unresolved.stderr, /NTS 127\.0\.20\.1:12460: the cached NTP server gone\.invalid: cannot resolve gone\.invalid: .*, new key exchange/)
  t.match(report(unresolved.stdout).servers[0], { status: 'selected', authentication: { keyExchange: 'fresh', ntpServer: NTP } })
  const replaced = JSON.parse(readFileSync(file, 'utf8'))
  t.match(replaced.ntpServer, { host: REAL, port: 12401 }, 'the record names the NTP server the new key exchange gave')
  t.notOk(
    (replaced.cookies as string[]).some((c) => cookies.includes(c)),
    'with the new cookies only',
  )

  // a name that resolves to where nothing answers: the cookies spent, and the keys tried afresh
  edit({ host: REAL, port: 12499 })
  const silent = await nts(cache, '-d', '-t', '0.5', KE)
  t.equal(silent.code, 0, describeRun(silent))
  t.match(silent.stderr, /NTS 127\.0\.20\.1:12460: no authenticated reply with the cached keys, new key exchange/)
  t.match(report(silent.stdout).servers[0], { status: 'selected', port: 12401, authentication: { keyExchange: 'fresh', ntpServer: NTP } })
  t.match(JSON.parse(readFileSync(file, 'utf8')).ntpServer, { host: REAL, port: 12401 })
})

t.test('a key exchange whose server trickles 64 KiB one byte per TLS record keeps to -t', async (t) => {
  const cert = ca.issue('trickle', ['IP:127.0.20.11'])
  // no cookies: once read to its end, the response fails at once, so the run ends with the key exchange
  const base = keResponse({ cookies: [] })
  // empty records of a type not defined and not critical: to be skipped, as many as fit in 64 KiB
  const filler = Array.from({ length: Math.floor((65_536 - base.length) / 4) }, () => new Uint8Array([0x12, 0x34, 0, 0]))
  const response = keResponse({ cookies: [], extra: filler })
  t.ok(response.length <= 65_536 && response.length > 65_000, `${response.length} bytes`)
  const fast = await startKeServer(t, '127.0.20.11', cert, () => response, { trickle: true })
  const run = await nts(newCache(), '-t', '1', `127.0.20.11:${fast.port}`)
  t.equal(run.code, 1, describeRun(run))
  t.match(run.stderr, /NTS server 127\.0\.20\.11:\d+: (NTS-KE timed out after 1 s|NTS-KE server sent no cookies)$/m)
  t.ok(run.ms < 2000, `-t 1 against a trickle as fast as it goes: the run took ${Math.round(run.ms)} ms`)
  const slow = await startKeServer(t, '127.0.20.11', cert, () => response, { trickle: { pauseMs: 2 } })
  const slowRun = await nts(newCache(), '-t', '1', `127.0.20.11:${slow.port}`)
  t.equal(slowRun.code, 1, describeRun(slowRun))
  t.match(slowRun.stderr, /NTS server 127\.0\.20\.11:\d+: NTS-KE timed out after 1 s$/m, 'data that keeps coming does not extend -t')
  t.ok(slowRun.ms < 2000, `-t 1 against a slow trickle: the run took ${Math.round(slowRun.ms)} ms`)
})

t.test('a TLS 1.2-only server, a server with another ALPN or none, one that does not speak TLS: the line says so in plain words', async (t) => {
  const cert = ca.issue('plain-words', ['IP:127.0.20.12'])
  const records = () => keResponse({ cookies: [new Uint8Array(64)] })
  const cases: [string, Parameters<typeof startKeServer>[4], RegExp][] = [
    ['TLS 1.2 only', { tls: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } }, /: the server does not speak TLS 1\.3, which NTS-KE requires$/m],
    ['ALPN h2', { tls: { ALPNProtocols: ['h2'] } }, /: the server does not offer the ntske\/1 protocol \(ALPN\): is it an NTS-KE server\?$/m],
    ['no ALPN', { tls: { ALPNProtocols: undefined } }, /: the server does not offer the ntske\/1 protocol \(ALPN\): is it an NTS-KE server\?$/m],
  ]
  for (const [name, options, expected] of cases) {
    const server = await startKeServer(t, '127.0.20.12', cert, records, options)
    const run = await nts(newCache(), `127.0.20.12:${server.port}`)
    t.equal(run.code, 1, `${name}: ${describeRun(run)}`)
    t.match(run.stderr, expected, name)
    t.notMatch(run.stderr, /SSL routines|ERR_SSL|alert/, `${name}: no OpenSSL error text`)
  }
  const http = createTcpServer((socket) => socket.on('error', () => {}).once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')))
  await new Promise<void>((resolve) => http.listen(0, '127.0.20.12', resolve))
  t.teardown(() => new Promise<void>((resolve) => http.close(() => resolve())))
  const notTls = await nts(newCache(), `127.0.20.12:${(http.address() as { port: number }).port}`)
  t.equal(notTls.code, 1, describeRun(notTls))
  t.match(notTls.stderr, /: the server does not answer in TLS: is it an NTS-KE port\?$/m)
})

t.test('a cache record dated in the future of the local clock: -d says so', async (t) => {
  const cache = newCache()
  t.equal((await nts(cache, KE)).code, 0)
  const file = join(cache, 'nts-ke_127.0.20.1_12460.json')
  const record = JSON.parse(readFileSync(file, 'utf8'))
  writeFileSync(file, JSON.stringify({ ...record, obtainedAt: record.obtainedAt + 3 * 3600 }) + '\n')
  const run = await nts(cache, '-d', KE)
  t.equal(run.code, 0, describeRun(run))
  t.match(run.stderr, /8 cookies from the cache \(key exchange dated 3 h in the future of the local clock\), no TLS/)
  t.notMatch(run.stderr, /future of the local clock ago/)
})

t.test('the wrong-clock rule with a verifier that cannot run: the line says so, and does not blame the certificate', async (t) => {
  // /usr/bin/openssl replaced, for this run only (a private mount namespace), by a file that cannot be executed
  const notExecutable = join(scratch, 'not-executable')
  writeFileSync(notExecutable, '', { mode: 0o644 })
  const env = { ...cleanEnv(), FAKETIME_DONT_FAKE_MONOTONIC: '1' }
  const run = await runCommand(
    [
      'unshare',
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount --bind "$0" /usr/bin/openssl && exec "$@"',
      notExecutable,
      FAKETIME,
      '-f',
      '-730d',
      process.execPath,
      BIN,
      '-q',
      '--json',
      '--nts',
      '--nts-ca',
      ca.caFile,
      '--nts-cache',
      newCache(),
      KE,
    ],
    { env },
  )
  t.equal(run.code, 1, describeRun(run))
  t.match(run.stderr, /NTS server 127\.0\.20\.1:12460: cannot check the certificate at the time obtained, 20\d\d-[^:]*:\d\d:[\d.]+Z: \/usr\/bin\/openssl is not executable \(EACCES\)/)
  t.notMatch(run.stderr, /not valid|does not verify/)
})

t.test('a multi-homed NTS-KE name: each address in turn, within -t, until one completes (issue 23, one resolver)', async (t) => {
  if (process.getuid?.() !== 0) {
    if (process.env['CI'] !== undefined) t.fail('needs root (unshare --mount) and CI is set')
    return
  }
  // the name's first address refuses the connection; its second is the real server
  const hosts = join(scratch, 'hosts')
  writeFileSync(hosts, `127.0.20.13 localhost\n${REAL} localhost\n`)
  const prefix = ['unshare', '--mount', 'sh', '-c', `mount --bind ${hosts} /etc/hosts && exec "$0" "$@"`]
  const run = await runCli(['-q', '--json', '-d', '-4', '--nts', '--nts-ca', ca.caFile, '--nts-cache', newCache(), 'localhost:12460'], { prefix })
  t.equal(run.code, 0, describeRun(run))
  t.match(run.stderr, /NTS-KE localhost:12460 \(127\.0\.20\.13\): .*refused/, 'the first address was tried and failed')
  t.match(run.stderr, /NTS-KE localhost:12460 \(127\.0\.20\.1\): 8 cookies/, 'the second completed the exchange')
  t.match(report(run.stdout).servers[0], { status: 'selected', address: REAL, authentication: { method: 'nts', keyExchange: 'fresh' } })
})
