/** Running fast-check properties inside tap: one assertion per property, the run count in its name. */
import fc from 'fast-check'
import type { Test } from 'tap'

/**
 * Checks `property` over `numRuns` generated inputs. A failure reports fast-check's shrunk
 * counterexample with its seed and path; FC_SEED=<seed> replays a reported run.
 */
export function holds<Ts extends [unknown, ...unknown[]]>(t: Test, property: fc.IProperty<Ts>, numRuns: number): void {
  const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED)
  const details = fc.check(property, seed === undefined ? { numRuns } : { numRuns, seed })
  t.notOk(details.failed, details.failed ? (fc.defaultReportMessage(details) ?? 'property failed') : `holds over ${details.numRuns} runs`)
  t.equal(details.numRuns, numRuns, `${numRuns} runs, none skipped`)
}
