/**
 * What a run leaves for the next one to learn the clock's rate from (--drift-file): when it ran,
 * in clocks a set does not move, which servers agreed, the offset it measured and the correction
 * it applied. The file keeps the last few runs, newest last. Pure.
 */

export interface RunRecord {
  /** Unix seconds, by the local clock, at the measurement */
  atSeconds: number
  /** the kernel's boot id (/proc/sys/kernel/random/boot_id); absent where it cannot be read */
  bootId?: string
  /** CLOCK_BOOTTIME at the measurement, seconds: the basis between two runs */
  boottimeSeconds: number
  /**
   * CLOCK_REALTIME − CLOCK_BOOTTIME, which only a step changes: as saved, after this run's
   * correction; while this run estimates, before it
   */
  realMinusBootSeconds: number
  /** only authenticated replies counted (-a, --nts); absent: not so */
  authenticated?: boolean
  /** the agreeing servers, ADDR:PORT */
  servers: string[]
  /** the chosen offset, seconds (> 0: the local clock is behind) */
  offsetSeconds: number
  /** how far this run moved the clock: a step at once, a slew over |s| / 500 ppm */
  correction: { kind: 'none' | 'step' | 'slew'; seconds: number }
  /** the kernel's frequency offset (adjtimex freq), ppm: as saved, after this run set it */
  kernelPpm: number
  /** what this run added to the kernel's frequency, ppm (absent in older records: none) */
  appliedPpm?: number
}

export const MAX_RECORDS = 8
const FORMAT = 'tsntpdate-drift-1'

/** whether `record` is of the boot `current` is: the same boot id, else (one unknown) a boot time no later */
export function sameBoot(record: RunRecord, current: RunRecord): boolean {
  if (record.bootId !== undefined && current.bootId !== undefined) return record.bootId === current.bootId
  return record.boottimeSeconds <= current.boottimeSeconds
}

export function encodeRecords(records: readonly RunRecord[]): string {
  return JSON.stringify({ format: FORMAT, runs: records.slice(-MAX_RECORDS) }) + '\n'
}

/** The runs in the file, or why it is none (corrupt: ignored, and replaced). */
export function decodeRecords(text: string): RunRecord[] | { corrupt: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { corrupt: 'not JSON' }
  }
  const runs = (value as { format?: unknown; runs?: unknown } | null)?.runs
  if ((value as { format?: unknown } | null)?.format !== FORMAT || !Array.isArray(runs)) return { corrupt: 'not a tsntpdate drift file' }
  const records = runs.filter(isRecord)
  return records.length === runs.length ? records.slice(-MAX_RECORDS) : { corrupt: 'a run record is malformed' }
}

function isRecord(value: unknown): value is RunRecord {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Record<string, unknown>
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v)
  const correction = r['correction'] as Record<string, unknown> | undefined
  return (
    ['atSeconds', 'boottimeSeconds', 'realMinusBootSeconds', 'offsetSeconds', 'kernelPpm'].every((k) => finite(r[k])) &&
    (r['appliedPpm'] === undefined || finite(r['appliedPpm'])) &&
    (r['bootId'] === undefined || typeof r['bootId'] === 'string') &&
    (r['authenticated'] === undefined || typeof r['authenticated'] === 'boolean') &&
    Array.isArray(r['servers']) &&
    r['servers'].every((s) => typeof s === 'string') &&
    typeof correction === 'object' &&
    correction !== null &&
    ['none', 'step', 'slew'].includes(correction['kind'] as string) &&
    finite(correction['seconds'])
  )
}
