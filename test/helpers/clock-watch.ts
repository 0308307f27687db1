/** Watching this machine's clock around a CLI run, for the tests that may set it. */
import { libcClock } from '../../src/io/kernel/clock-libc.js'
import { runCli, type CliResult } from './cli.js'

/**
 * CLOCK_REALTIME − CLOCK_MONOTONIC, seconds: changes only when the realtime clock is stepped (a
 * slew moves both). Of 50 monotonic/realtime/monotonic triples, the narrowest one counts: a VM's
 * vCPU can be descheduled between two reads for 100 µs and more.
 */
export function realtimeMinusMonotonic(): number {
  let best: { width: bigint; value: bigint } | undefined
  for (let i = 0; i < 50; i++) {
    const before = process.hrtime.bigint()
    const realtime = libcClock.nowNanos()
    const after = process.hrtime.bigint()
    if (!best || after - before < best.width) best = { width: after - before, value: realtime - (before + after) / 2n }
  }
  return Number(best!.value) / 1e9
}

/** Runs the CLI and reports how far the realtime clock moved meanwhile (against the monotonic clock). */
export async function runWatched(args: readonly string[], prefix?: readonly string[]): Promise<CliResult & { clockChange: number }> {
  const before = realtimeMinusMonotonic()
  const r = await runCli(args, prefix ? { prefix } : {})
  return { ...r, clockChange: realtimeMinusMonotonic() - before }
}
