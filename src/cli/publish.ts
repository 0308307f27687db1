/** --json and --metrics-file: written at the end of every run, whatever its outcome, from the run's facts. */
import { errorText } from '../errors.js'
import { jsonDocument, summarize, type RunFacts } from '../report/json.js'
import { renderMetrics } from '../report/metrics.js'
import type { Output } from './output.js'

export interface PublishDeps {
  stdout: (line: string) => void
  /** wall-clock time for the metrics' last-run time (never for NTP timestamps) */
  localTime: () => Date
  /** replaces a file's content atomically; without it, --metrics-file can only warn */
  writeFileAtomically?: (path: string, text: string) => Promise<void>
}

/** Prints the document and writes the metrics file, as asked; never throws. */
export async function publish(facts: RunFacts, where: { json: boolean; metricsFile: string | undefined }, output: Output, deps: PublishDeps): Promise<void> {
  const summary = summarize(facts)
  if (where.metricsFile !== undefined) {
    const problem = await writeMetrics(where.metricsFile, renderMetrics(summary, deps.localTime().getTime() / 1000), deps)
    if (problem) output.error(problem)
  }
  if (where.json) deps.stdout(JSON.stringify(jsonDocument(summary), null, 2))
}

/** A metrics file that cannot be written is a warning: the exit status stays that of the time work. */
async function writeMetrics(path: string, text: string, deps: PublishDeps): Promise<string | undefined> {
  if (!deps.writeFileAtomically) return `cannot write metrics file ${path}: no file writer`
  try {
    await deps.writeFileAtomically(path, text)
    return undefined
  } catch (error) {
    return `cannot write metrics file ${path}: ${errorText(error)}`
  }
}
