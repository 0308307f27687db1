/**
 * A kiss-o'-death without timestamps (RFC 5905 §7.4 allows it) through the CLI: obeyed, and shown
 * with no offset anywhere (-d, -q lines, --json, metrics).
 * Address block of this file: 127.0.18.x, ports chosen by the kernel.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startChronyd } from '../helpers/chronyd.js'
import { describeRun, lines, runCli } from '../helpers/cli.js'
import { replyTo, startScriptServer } from '../helpers/script-server.js'

const RATE = 0x52_41_54_45

t.test('a bare RATE kiss next to a good server: obeyed, never a sample, no offset anywhere', async (t) => {
  const kisser = await startScriptServer(t, '127.0.18.1', (request, from, server) =>
    server.send(replyTo(request, { leap: 3, stratum: 0, referenceId: RATE, referenceTime: 0n, receiveTime: 0n, transmitTime: 0n }), from),
  )
  const good = await startChronyd(t, { address: '127.0.18.2', port: 11802 })
  const spec = `127.0.18.1:${kisser.port}`
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-kiss-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const metrics = join(dir, 'm.prom')

  const r = await runCli(['-d', '--json', '--metrics-file', metrics, '-p', '4', '--gap', '0.05', '-t', '1', spec, good.spec])
  t.equal(r.code, 0, 'exit 0: the good server is selected', { output: describeRun(r) })
  t.equal(kisser.requests.length, 1, 'RATE: no request after the kiss')
  const about = lines(r.stderr).filter((line) => line.includes(spec))
  t.ok(
    about.some((line) => line.startsWith(`kiss-o'-death RATE from ${spec}`)),
    'the kiss is traced',
  )
  t.notOk(
    about.some((line) => /offset/.test(line)),
    'no -d line gives it an offset',
    { lines: about },
  )
  t.notOk(
    about.some((line) => line.startsWith('reply from')),
    'no reply line',
  )
  const doc = JSON.parse(r.stdout) as { servers: Array<Record<string, unknown>>; selected: string }
  const kissed = doc.servers.find((s) => s['port'] === kisser.port)
  t.match(kissed, { status: 'kod:RATE', offset: null, delay: null, rootDistance: null, samples: [], kisses: ['RATE'], rateLimited: true })
  t.equal(doc.selected, good.spec)
  t.match(readFileSync(metrics, 'utf8'), /^tsntpdate_servers\{status="kod"\} 1$/m)
  t.match(r.stderr, new RegExp(`127\\.0\\.18\\.1 rate limit response from server\\.`), "classic's RATE line")
})
