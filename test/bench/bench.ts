/**
 * `npm run bench`: tsntpdate side by side with the peers on this machine (ntpdig, chronyd -Q, a
 * classic ntpdate given as NTPDATE=/path), against chronyd servers it starts on loopback, and the
 * targets of issues 5 and 12. Prints one Markdown table and writes it into docs/performance.md between
 * `<!-- bench:start -->` and `<!-- bench:end -->` (not with --no-readme or BENCH_NO_README=1).
 *
 * Needs root: ntpdig only talks to port 123, so the servers listen on 127.0.14.x:123.
 * Nothing here sets the clock: every tool runs query-only (tools.ts), every chronyd with -x; the
 * drift simulation (drift-sim.ts, also alone with --drift-only, no root needed) sets a model clock.
 * Addresses: 127.0.14.x (servers), 127.0.15.x (relays), 127.14.0.0/16 (the 1000-server run).
 */
import { randomInt } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { answers, startChronyd } from '../helpers/chronyd.js'
import type { Teardown } from '../helpers/teardown.js'
import { machineLine, describeMachine } from './machine.js'
import { haveGnuTime, measure, type Command, type Measured } from './measure.js'
import { startRelay, type Relay } from '../helpers/relay.js'
import { millis, mib, ratio, seconds, table, writeIntoReadme } from './report.js'
import { max, median, percentile } from './stats.js'
import { NTS_KEYS, NTS_SETTINGS, ntsEntries } from './nts.js'
import { driftSimulation } from './drift-report.js'
import { assertQueryOnly, chronydQ, classicNtpdate, nodeBaseline, ntpdig, tsntpdate, type Servers, type Tool } from './tools.js'

const README = fileURLToPath(new URL('../../docs/performance.md', import.meta.url))
const SERVERS: Servers = { a: '127.0.14.1', b: '127.0.14.2', dead: '127.0.14.9' }
/**
 * chronyd keeps the kernel's default receive buffer (~256 queued requests here), so one chronyd
 * would drop part of a 1000-request burst that 1000 real servers would each get one of: the
 * 1000 addresses are spread over several wildcard chronyds, one port each.
 */
const MANY_PORTS = [14123, 14124, 14125, 14126, 14127]
const MANY_COUNT = 1000
const RELAY_BASE = '127.0.15.'
const JITTER = { delayMs: [0, 20] as const, loss: 0.3 }
const RUN_TIMEOUT_MS = 60_000
/** served by A, and read by the keyed rows from a 0600 copy */
const BENCH_KEYS = '1 AES128 HEX:2B7E151628AED2A6ABF7158809CF4F3C\n'

const TARGET = {
  errorMedian: 3e-6,
  errorP90: 10e-6,
  wallRatio: 1.5,
  rssRatio: 1.3,
  manyWallMs: 2000,
  manyRssKiB: 80 * 1024,
  deadAddedMs: 1100,
  jitterMedian: 1e-3,
  ntsFreshAddedMs: 100,
  ntsCachedAddedMs: 10,
}

interface Series {
  runs: Measured[]
  /** |offset| of each run that reported one */
  errors: number[]
  failed: number
}

const { values: flags } = parseArgs({
  options: {
    'no-readme': { type: 'boolean', default: false },
    runs: { type: 'string', default: '30' },
    'dead-runs': { type: 'string', default: '10' },
    'peer-jitter-runs': { type: 'string', default: '10' },
    'many-runs': { type: 'string', default: '5' },
    /** the relays' seeds: run i of the jitter rows uses seed + 2i for every tool (default: random); the drift simulation's first seed */
    seed: { type: 'string' },
    /** only the drift simulation (needs no root) */
    'drift-only': { type: 'boolean', default: false },
    'drift-seeds': { type: 'string', default: '32' },
  },
})
const RUNS = positiveInt(flags.runs!, '--runs')
const DEAD_RUNS = positiveInt(flags['dead-runs']!, '--dead-runs')
const MANY_RUNS = positiveInt(flags['many-runs']!, '--many-runs')
const PEER_JITTER_RUNS = positiveInt(flags['peer-jitter-runs']!, '--peer-jitter-runs')
const SEED_BASE = flags.seed === undefined ? randomInt(1, 1_000_000) : positiveInt(flags.seed, '--seed')
const DRIFT_SEEDS = positiveInt(flags['drift-seeds']!, '--drift-seeds')
const NO_README = flags['no-readme'] === true || process.env.BENCH_NO_README === '1'

function positiveInt(text: string, name: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) fail(`${name} needs a positive whole number, not '${text}'`)
  return n
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`)
  process.exit(1)
}

function progress(text: string): void {
  process.stderr.write(text)
}

interface Entry {
  key: string
  command: Command
  offset?: (m: Measured) => number | undefined
  /** fewer runs than the phase's for this entry */
  runs?: number
  /** called before run `i` (0-based) */
  before?: (i: number) => void
}

/** Runs every command `runs` times, interleaved (rotating who goes first) so that load on the machine hits all alike. */
async function interleaved(runs: number, entries: Entry[], gnuTime: boolean): Promise<Map<string, Series>> {
  const results = new Map(entries.map((e) => [e.key, { runs: [], errors: [], failed: 0 } as Series]))
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < entries.length; j++) {
      const entry = entries[(i + j) % entries.length]!
      if (i >= (entry.runs ?? runs)) continue
      entry.before?.(i)
      const measured = await measure(entry.command, { gnuTime, timeoutMs: RUN_TIMEOUT_MS })
      const series = results.get(entry.key)!
      series.runs.push(measured)
      if (entry.offset) {
        const offset = entry.offset(measured)
        if (offset === undefined) series.failed++
        else series.errors.push(Math.abs(offset))
      }
    }
    progress('.')
  }
  progress('\n')
  return results
}

/** Datagrams the kernel dropped on the UDP sockets bound to 0.0.0.0 on these ports (receive buffer full). */
function udpDrops(ports: readonly number[]): number {
  const wanted = new Set(ports.map((p) => `00000000:${p.toString(16).toUpperCase().padStart(4, '0')}`))
  return readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => wanted.has(fields[1] ?? ''))
    .reduce((sum, fields) => sum + Number(fields.at(-1)), 0)
}

const wallMedian = (s: Series | undefined) => (s ? median(s.runs.map((r) => r.wallMs)) : undefined)
const rssMedian = (s: Series | undefined) => {
  const values = s?.runs.flatMap((r) => (r.rssKiB === undefined ? [] : [r.rssKiB])) ?? []
  return values.length ? median(values) : undefined
}
const rssMax = (s: Series | undefined) => {
  const values = s?.runs.flatMap((r) => (r.rssKiB === undefined ? [] : [r.rssKiB])) ?? []
  return values.length ? max(values) : undefined
}

/** The drift simulation (issue 14): printed, and written into docs/performance.md between its own markers. */
async function driftPhase(): Promise<void> {
  progress(`drift simulation: ${DRIFT_SEEDS} seeds from ${SEED_BASE}, 4 × 48 simulated hours each\n`)
  const { block } = await driftSimulation(SEED_BASE, DRIFT_SEEDS)
  process.stdout.write(`${block}\n\n`)
  if (NO_README) progress('docs/performance.md left alone (--no-readme)\n')
  else if (writeIntoReadme(README, block, 'drift')) progress('docs/performance.md: drift simulation updated\n')
  else progress('docs/performance.md has no <!-- drift:start --> … <!-- drift:end --> markers: not written\n')
}

async function main(): Promise<void> {
  const began = Date.now()
  if (flags['drift-only']) {
    await driftPhase()
    return
  }
  if (process.getuid?.() !== 0) fail('needs root: ntpdig only queries port 123, so the bench runs its chronyd servers on 127.0.14.x:123')
  const gnuTime = haveGnuTime()
  const machine = describeMachine()
  await driftPhase()
  const tools: Tool[] = [tsntpdate(), ntpdig(), chronydQ(), classicNtpdate(process.env.NTPDATE)]
  const present = tools.filter((t) => t.missing === undefined)

  const cleanups: (() => unknown)[] = tools.map((t) => () => t.dispose?.())
  const teardown: Teardown = { teardown: (fn) => cleanups.push(fn) }
  const cleanUp = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn()
  }
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)))

  try {
    progress('starting chronyd servers and relays…\n')
    if (await answers(SERVERS.dead, 123, 300)) fail(`${SERVERS.dead}:123 answers, but must be dead`)
    await startChronyd(teardown, { address: SERVERS.a, port: 123, keys: BENCH_KEYS })
    const keyDir = mkdtempSync(join(tmpdir(), 'tsntpdate-bench-keys-'))
    cleanups.push(() => rmSync(keyDir, { recursive: true, force: true }))
    const keyFile = join(keyDir, 'ntp.keys')
    writeFileSync(keyFile, BENCH_KEYS, { mode: 0o600 })
    await startChronyd(teardown, { address: SERVERS.b, port: 123 })
    // bound to the wildcard, a chronyd answers on every 127.14.x.y, from the address queried
    for (const port of MANY_PORTS) await startChronyd(teardown, { address: '0.0.0.0', port })
    const relays = new Map<string, Relay>()
    for (const [i, tool] of present.entries()) {
      const relay = await startRelay(teardown, {
        address: `${RELAY_BASE}${i + 1}`,
        port: 123,
        target: { address: SERVERS.a, port: 123 },
        toTarget: JITTER,
        toClient: JITTER,
        seed: SEED_BASE,
      })
      relays.set(tool.name, relay)
    }

    const entries = (pick: (t: Tool) => Command | undefined) =>
      present.flatMap((tool) => {
        const command = pick(tool)
        if (!command) return []
        assertQueryOnly(tool.name, command)
        return [{ key: tool.name, command, offset: tool.offset }]
      })
    const baseline = { key: 'node -e 0', command: nodeBaseline() }

    progress(`1 server, 4 samples, ${RUNS} runs each `)
    const keyedEntries = entries((t) => t.keyed?.(SERVERS, keyFile)).map((e) => ({ ...e, key: `${e.key} -a` }))
    const accuracy = await interleaved(RUNS, [baseline, ...entries((t) => t.accuracy?.(SERVERS)), ...keyedEntries], gnuTime)
    progress(`NTS, ${RUNS} runs each `)
    const ntsPhase = await ntsEntries(
      teardown,
      present.some((t) => t.name === 'chronyd -Q'),
    )
    // a first run fills the cache the cached row reads; the fresh rows empty theirs before each run
    await measure(ntsPhase.find((e) => e.key === NTS_KEYS.cached)!.command, { gnuTime: false, timeoutMs: RUN_TIMEOUT_MS })
    await measure(ntsPhase.find((e) => e.key === NTS_KEYS.chronydCached)?.command ?? nodeBaseline(), { gnuTime: false, timeoutMs: RUN_TIMEOUT_MS })
    const ntsResults = await interleaved(RUNS, ntsPhase, gnuTime)
    progress(`2 servers, ${RUNS} runs each `)
    const two = await interleaved(RUNS, [baseline, ...entries((t) => t.twoServers?.(SERVERS))], gnuTime)
    progress(`a dead server, ${DEAD_RUNS} runs each `)
    const dead = await interleaved(
      DEAD_RUNS,
      entries((t) => t.dead?.(SERVERS)),
      gnuTime,
    )
    progress(`${MANY_COUNT} servers, ${MANY_RUNS} runs `)
    const manyServers = Array.from({ length: MANY_COUNT }, (_, i) => `127.14.${Math.floor(i / 250)}.${(i % 250) + 1}:${MANY_PORTS[i % MANY_PORTS.length]}`)
    const serverDropsBefore = udpDrops(MANY_PORTS)
    const many = await interleaved(MANY_RUNS, [{ key: 'tsntpdate', command: tsntpdate().many!(manyServers) }], gnuTime)
    const serverDrops = udpDrops(MANY_PORTS) - serverDropsBefore
    progress(`jitter 0–20 ms and 30 % loss each way, ${RUNS} runs each `)
    const jitter = await interleaved(
      RUNS,
      present.flatMap((tool, i) =>
        entries((t) => (t === tool ? t.jitter?.(`${RELAY_BASE}${i + 1}`) : undefined)).map((e) => {
          // every run its own seed, and run i the same seed for every tool
          const before = (run: number) => relays.get(tool.name)?.reseed(SEED_BASE + 2 * run)
          return e.key === 'tsntpdate' ? { ...e, before } : { ...e, before, runs: Math.min(RUNS, PEER_JITTER_RUNS) }
        }),
      ),
      gnuTime,
    )

    // node -e 0 ran in both of the first two phases: pool them
    const base: Series = {
      runs: [...accuracy.get(baseline.key)!.runs, ...two.get(baseline.key)!.runs],
      errors: [],
      failed: 0,
    }
    const baseWall = wallMedian(base)
    const baseRss = rssMedian(base)
    const rssCell = (s: Series | undefined) => (gnuTime ? `${mib(rssMedian(s))}${ratio(rssMedian(s), baseRss)}` : 'n/a (no GNU time)')
    const wallCell = (s: Series | undefined) => `${millis(wallMedian(s))}${ratio(wallMedian(s), baseWall)}`
    const errorCell = (s: Series | undefined) => (s && s.errors.length ? `${seconds(median(s.errors))} / ${seconds(percentile(s.errors, 90))}` : '–')
    const failedCell = (s: Series | undefined) => (s ? `${s.failed}/${s.runs.length}` : '–')

    const rows: string[][] = [['baseline', '`node -e 0`', '', '', wallCell(base), rssCell(base)]]
    for (const [label, results] of [
      ['1 server, 4 samples', accuracy],
      ['2 servers, 1 sample', two],
      ['A + dead server, `-t 1`', dead],
    ] as const) {
      for (const tool of tools) {
        if (tool.missing) continue
        const s = results.get(tool.name)
        const diff = (wallMedian(s) ?? NaN) - (wallMedian(two.get(tool.name)) ?? NaN)
        const added = label.includes('dead') ? ` (${diff < 0 ? '−' : '+'}${millis(Math.abs(diff))} over 2 live)` : ''
        rows.push([label, tool.name, label.includes('dead') ? '' : errorCell(s), failedCell(s), `${wallCell(s)}${added}`, rssCell(s)])
        const keyed = label === '1 server, 4 samples' ? results.get(`${tool.name} -a`) : undefined
        if (keyed) rows.push(['1 server, 4 samples, AES128CMAC key', tool.name, errorCell(keyed), failedCell(keyed), wallCell(keyed), rssCell(keyed)])
      }
    }
    const manySeries = many.get('tsntpdate')!
    const answered = median(manySeries.runs.map((r) => r.stdout.split('\n').filter((l) => /^server \S+, stratum/.test(l)).length))
    rows.push([
      `${MANY_COUNT} servers`,
      'tsntpdate',
      `${answered} of ${MANY_COUNT} answered (median); the servers dropped ${serverDrops} requests in all runs`,
      `${manySeries.runs.filter((r) => r.code !== 0).length}/${manySeries.runs.length}`,
      wallCell(manySeries),
      gnuTime ? `${mib(rssMax(manySeries))} max${ratio(rssMax(manySeries), baseRss)}` : 'n/a',
    ])
    for (const tool of tools) {
      if (tool.missing) continue
      const s = jitter.get(tool.name)
      rows.push(['jitter 0–20 ms, 30 % loss each way', tool.name, errorCell(s), failedCell(s), wallCell(s), rssCell(s)])
    }
    for (const entry of ntsPhase) {
      const s = ntsResults.get(entry.key)
      rows.push(['NTS server, 1 server, 4 samples', entry.key, errorCell(s), failedCell(s), wallCell(s), rssCell(s)])
    }
    for (const tool of tools) if (tool.missing) rows.push(['all', tool.name, `absent: ${tool.missing}`, '', '', ''])

    const ts = (results: Map<string, Series>) => results.get('tsntpdate')
    /** `met`, or by how much it is missed: `**not met** (+33 %)`; `also` must hold too */
    const met = (value: number, limit: number, also = true) => (value <= limit && also ? 'met' : `**not met**${value > limit ? ` (+${((value / limit - 1) * 100).toFixed(0)} %)` : ''}`)
    const accErrors = ts(accuracy)?.errors ?? []
    const twoWall = wallMedian(ts(two)) ?? NaN
    const tsRss = Math.max(rssMedian(ts(accuracy)) ?? NaN, rssMedian(ts(two)) ?? NaN)
    const manyWall = wallMedian(manySeries) ?? NaN
    const manyRss = rssMax(manySeries)
    const deadAdded = (wallMedian(ts(dead)) ?? NaN) - twoWall
    const jit = ts(jitter)
    const ntsWall = (key: string) => wallMedian(ntsResults.get(key)) ?? NaN
    const plainNts = ntsWall(NTS_KEYS.plain)
    const cachedErrors = ntsResults.get(NTS_KEYS.cached)?.errors ?? []
    const freshErrors = ntsResults.get(NTS_KEYS.fresh)?.errors ?? []
    const ntsFailed = [NTS_KEYS.fresh, NTS_KEYS.cached].reduce((n, k) => n + (ntsResults.get(k)?.failed ?? 0), 0)
    const targets: string[][] = [
      ['\\|offset\\| error median ≤ 3 µs (1 server, `-p 4 --gap 0.05`)', seconds(median(accErrors)), met(median(accErrors), TARGET.errorMedian)],
      ['\\|offset\\| error p90 ≤ 10 µs', seconds(percentile(accErrors, 90)), met(percentile(accErrors, 90), TARGET.errorP90)],
      [
        'keyed (`-a`, AES128CMAC): \\|offset\\| error median ≤ 3 µs',
        seconds(median(accuracy.get('tsntpdate -a')?.errors ?? [])),
        met(median(accuracy.get('tsntpdate -a')?.errors ?? []), TARGET.errorMedian),
      ],
      [
        'NTS fresh (NTS-KE + NTP) ≤ plain + 100 ms',
        `+${millis(ntsWall(NTS_KEYS.fresh) - plainNts)} (${millis(ntsWall(NTS_KEYS.fresh))} vs ${millis(plainNts)})`,
        met(ntsWall(NTS_KEYS.fresh) - plainNts, TARGET.ntsFreshAddedMs, ntsFailed === 0),
      ],
      [
        'NTS from cached cookies ≤ plain + 10 ms',
        `+${millis(ntsWall(NTS_KEYS.cached) - plainNts)} (${millis(ntsWall(NTS_KEYS.cached))} vs ${millis(plainNts)})`,
        met(ntsWall(NTS_KEYS.cached) - plainNts, TARGET.ntsCachedAddedMs, ntsFailed === 0),
      ],
      [
        'NTS \\|offset\\| error median ≤ 3 µs, p90 ≤ 10 µs (cached; fresh)',
        `${seconds(median(cachedErrors))} / ${seconds(percentile(cachedErrors, 90))}; ${seconds(median(freshErrors))} / ${seconds(percentile(freshErrors, 90))}`,
        met(median(cachedErrors), TARGET.errorMedian, percentile(cachedErrors, 90) <= TARGET.errorP90 && median(freshErrors) <= TARGET.errorMedian && percentile(freshErrors, 90) <= TARGET.errorP90),
      ],
      ['`-q` wall time with 2 servers ≤ 1.5 × `node -e 0`', `${millis(twoWall)}${ratio(twoWall, baseWall)}`, met(twoWall / baseWall!, TARGET.wallRatio)],
      ['peak RSS ≤ 1.3 × `node -e 0` (larger of the two runs above)', gnuTime ? `${mib(tsRss)}${ratio(tsRss, baseRss)}` : 'n/a', gnuTime ? met(tsRss / baseRss!, TARGET.rssRatio) : 'unmeasured'],
      [`${MANY_COUNT} servers ≤ 2 s`, `${millis(manyWall)} (${answered} answered)`, met(manyWall, TARGET.manyWallMs, answered === MANY_COUNT)],
      [`${MANY_COUNT} servers ≤ 80 MiB`, gnuTime ? mib(manyRss) : 'n/a', gnuTime ? met(manyRss ?? Infinity, TARGET.manyRssKiB) : 'unmeasured'],
      ['a dead server adds ≤ timeout + 0.1 s (`-t 1`: 1.1 s)', millis(deadAdded), met(deadAdded, TARGET.deadAddedMs)],
      [
        'jitter/loss (`-p 8`): median error ≤ 1 ms, no failed run',
        `${seconds(median(jit?.errors ?? []))} (p10 ${seconds(percentile(jit?.errors ?? [], 10))}, p90 ${seconds(percentile(jit?.errors ?? [], 90))}), ` +
          `${jit?.failed ?? '?'} failed of ${jit?.runs.length ?? 0}, one seed per run`,
        met(median(jit?.errors ?? []), TARGET.jitterMedian, jit?.failed === 0),
      ],
    ]

    const relayCounts = [...relays.entries()]
      .map(([name, r]) => {
        const c = r.counts
        return `${name} ${c.toTarget.dropped}/${c.toTarget.received} requests and ${c.toClient.dropped}/${c.toClient.received} replies dropped`
      })
      .join('; ')
    const elapsed = (Date.now() - began) / 1000
    const block = [
      `Measured ${machineLine(machine)}. The bench took ${elapsed.toFixed(0)} s.`,
      '',
      table(['run', 'tool', '\\|offset\\| error median / p90', 'failed', 'wall median (× `node -e 0`)', 'peak RSS median (× `node -e 0`)'], rows),
      '',
      'Targets (issues 5 and 12), tsntpdate:',
      '',
      table(['target', 'measured', ''], targets),
      '',
      `Servers: \`chronyd -x\` on 127.0.14.1 and 127.0.14.2 port 123 (true offset 0, so |offset| is the error); DEAD is 127.0.14.9:123 (silent); ` +
        `R is a UDP relay (test/helpers/relay.ts, one per tool; run i is seeded ${SEED_BASE} + 2i for every tool, a different seed each run) to 127.0.14.1 with a uniform 0–20 ms delay and 30 % loss in each direction ` +
        `(${relayCounts}); the ${MANY_COUNT} servers S1…S${MANY_COUNT} are 127.14.0.1–127.14.3.250, ports ${MANY_PORTS[0]}–${MANY_PORTS.at(-1)} in turn, ` +
        `answered by ${MANY_PORTS.length} chronyd bound to 0.0.0.0 (one per port: a chronyd keeps the default receive buffer and drops beyond ~256 queued requests). ` +
        `Runs of the tools are interleaved. Wall time is spawn to exit; peak RSS is GNU time's %M (maxrss of the child). ` +
        `${RUNS} runs per row (dead server: ${DEAD_RUNS}; ${MANY_COUNT} servers: ${MANY_RUNS}; the peers under jitter: ${Math.min(RUNS, PEER_JITTER_RUNS)}, as they take 3–5 s a run); ` +
        `\`node -e 0\` is pooled over the first two phases.`,
      '',
      'Settings:',
      '',
      ...present.flatMap((t) => t.settings.map((s) => `- ${t.name}: ${s}`)),
      ...NTS_SETTINGS.map((s) => `- ${s}`),
    ].join('\n')

    process.stdout.write(`${block}\n`)
    if (NO_README) progress('docs/performance.md left alone (--no-readme)\n')
    else if (RUNS < 30) progress('docs/performance.md left alone: fewer than 30 runs\n')
    else if (writeIntoReadme(README, block)) progress('docs/performance.md: Performance section updated\n')
    else progress('docs/performance.md has no <!-- bench:start --> … <!-- bench:end --> markers: not written\n')
  } finally {
    await cleanUp()
  }
}

await main()
