/**
 * The NTS rows of the bench: one chronyd serving NTS (NTS-KE on NTS_KE_PORT, NTP on 123), and the
 * runs side by side: tsntpdate plain against the same server, tsntpdate --nts with a fresh key
 * exchange every run (an empty cache) and from its cache, chronyd -Q with NTS fresh (no dump) and
 * with its cookie dump kept. All query-only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeCa } from '../helpers/certificates.js'
import { startChronyd } from '../helpers/chronyd.js'
import type { Teardown } from '../helpers/teardown.js'
import type { Command, Measured } from './measure.js'
import { TSNTPDATE_BIN } from './tools.js'

export const NTS_SERVER = '127.0.14.3'
const NTS_KE_PORT = 14460
const CHRONYD = existsSync('/usr/sbin/chronyd') ? '/usr/sbin/chronyd' : 'chronyd'
const NTPDATE_FINAL = /(?:adjust|step) time server \S+ offset ([+-]?\d+\.\d+) sec/
const CHRONYD_LINE = /System clock wrong by (-?\d+\.\d+) seconds/

export interface NtsEntry {
  key: string
  command: Command
  offset: (m: Measured) => number | undefined
  before?: (i: number) => void
}

export const NTS_KEYS = {
  plain: 'tsntpdate (plain)',
  fresh: 'tsntpdate --nts, fresh',
  cached: 'tsntpdate --nts, cached',
  chronydFresh: 'chronyd -Q nts, fresh',
  chronydCached: 'chronyd -Q nts, dump kept',
} as const

export const NTS_SETTINGS = [
  `NTS: one \`chronyd -x\` on ${NTS_SERVER} serving NTS (NTS-KE on ${NTS_KE_PORT}, NTP on 123), certificate from a CA the bench makes`,
  `NTS, tsntpdate: \`tsntpdate -q -p 4 --gap 0.05 [--nts --nts-ca CA --nts-cache DIR ${NTS_SERVER}:${NTS_KE_PORT}]\`; fresh: DIR emptied before every run; cached: DIR kept (primed once)`,
  `NTS, chronyd: \`chronyd -x -Q -t 10 -u root -f CONF\`, CONF \`server ${NTS_SERVER} nts ntsport ${NTS_KE_PORT} minpoll -4 maxpoll -4\`, \`ntstrustedcerts CA\`, \`ntsdumpdir DIR\`; fresh: DIR emptied before every run`,
]

function tsOffset(m: Measured): number | undefined {
  const match = m.code === 0 ? NTPDATE_FINAL.exec(m.stdout + m.stderr) : null
  return match ? Number(match[1]) : undefined
}

function chronydOffset(m: Measured): number | undefined {
  const match = m.code === 0 ? CHRONYD_LINE.exec(m.stdout + m.stderr) : null
  return match ? Number(match[1]) : undefined
}

export async function ntsEntries(t: Teardown, withChronyd: boolean): Promise<NtsEntry[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-bench-nts-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const ca = makeCa(t, 'tsntpdate bench NTS CA')
  await startChronyd(t, { address: NTS_SERVER, port: 123, nts: { kePort: NTS_KE_PORT, ...ca.issue('bench-nts', [`IP:${NTS_SERVER}`]) } })
  const ts = (...args: string[]): Command => ({ command: process.execPath, args: [TSNTPDATE_BIN, '-q', '-p', '4', '--gap', '0.05', ...args] })
  const nts = (cache: string) => ts('--nts', '--nts-ca', ca.caFile, '--nts-cache', cache, `${NTS_SERVER}:${NTS_KE_PORT}`)
  const freshCache = join(dir, 'fresh')
  const keptCache = join(dir, 'kept')
  const chronyd = (name: string, dump: string): Command => {
    const conf = join(dir, `${name}.conf`)
    writeFileSync(
      conf,
      [
        `server ${NTS_SERVER} nts ntsport ${NTS_KE_PORT} minpoll -4 maxpoll -4`,
        `ntstrustedcerts ${ca.caFile}`,
        `ntsdumpdir ${dump}`,
        'port 0',
        'cmdport 0',
        `pidfile ${join(dir, `${name}.pid`)}`,
        '',
      ].join('\n'),
    )
    return { command: CHRONYD, args: ['-x', '-Q', '-t', '10', '-u', 'root', '-f', conf] }
  }
  const empty = (path: string) => () => rmSync(path, { recursive: true, force: true })
  return [
    { key: NTS_KEYS.plain, command: ts(NTS_SERVER), offset: tsOffset },
    { key: NTS_KEYS.fresh, command: nts(freshCache), offset: tsOffset, before: empty(freshCache) },
    { key: NTS_KEYS.cached, command: nts(keptCache), offset: tsOffset },
    ...(withChronyd
      ? [
          { key: NTS_KEYS.chronydFresh, command: chronyd('fresh', join(dir, 'chrony-fresh')), offset: chronydOffset, before: empty(join(dir, 'chrony-fresh')) },
          { key: NTS_KEYS.chronydCached, command: chronyd('kept', join(dir, 'chrony-kept')), offset: chronydOffset },
        ]
      : []),
  ]
}
