/**
 * --drift-file against scripted servers whose clocks run at a known rate: two -q runs apart
 * (20 s) estimate it within ±3 ppm, a server at rate 0 gives |driftPpm| ≤ 3, and the file is 0600.
 * Address block of this file: 127.0.22.x.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { describeRun, runCli } from '../helpers/cli.js'
import { startRateServer } from '../helpers/rate-server.js'

const BASIS_MS = 20_000
const TOLERANCE_PPM = 3

const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-drift-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

/** 50 ms ahead at the start: a -q run's offset is never near 0 */
const rateServer = (address: string, ppm: number) => startRateServer(t, address, ppm, 0.05)

async function twoRuns(name: string, server: { address: string; port: number }) {
  const file = join(dir, name)
  const args = ['-q', '-d', '-p', '8', '--gap', '0.05', '--json', '--drift-file', file, `${server.address}:${server.port}`]
  const first = await runCli(args)
  await new Promise((resolve) => setTimeout(resolve, BASIS_MS))
  const second = await runCli(args)
  return { first, second, file }
}

t.test('a clock 40 ppm behind its server, and one at the same rate: estimated within ±3 ppm', async (t) => {
  const [fast, same] = await Promise.all([rateServer('127.0.22.1', 40), rateServer('127.0.22.2', 0)])
  const [ahead, even] = await Promise.all([twoRuns('fast', fast), twoRuns('same', same)])
  for (const [what, runs, ppm] of [
    ['40 ppm', ahead, 40],
    ['0 ppm', even, 0],
  ] as const) {
    t.equal(runs.first.code, 0, describeRun(runs.first))
    t.equal(JSON.parse(runs.first.stdout).frequency, null, `${what}: the first run has nothing to learn from`)
    t.equal(runs.second.code, 0, describeRun(runs.second))
    const frequency = JSON.parse(runs.second.stdout).frequency as { driftPpm: number; basisSeconds: number; appliedPpm: null } | null
    t.ok(frequency, `${what}: the second run estimates (${/drift: .*/.exec(runs.second.stderr)?.[0]})`)
    if (!frequency) continue
    t.ok(
      Math.abs(frequency.driftPpm - ppm) <= TOLERANCE_PPM,
      `${what}: estimated ${frequency.driftPpm.toFixed(2)} ppm over ${frequency.basisSeconds.toFixed(1)} s (${/drift: .*/.exec(runs.second.stderr)?.[0]})`,
    )
    t.equal(frequency.appliedPpm, null, '-q applies nothing')
    t.equal(statSync(runs.file).mode & 0o777, 0o600, 'the drift file is 0600')
  }
})
