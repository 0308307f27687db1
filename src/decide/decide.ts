/** From the chosen offset and the options to what happens to the clock. Pure. */

/** Classic ntpdate steps at or above this |offset| and slews below it. */
export const STEP_THRESHOLD_SECONDS = 0.5

export type Method = 'step' | 'slew'

export interface DecideOptions {
  /** -q or -d: report, never touch the clock */
  readOnly: boolean
  /** -b forces 'step', -B forces 'slew'; 'auto' picks by STEP_THRESHOLD_SECONDS */
  method: Method | 'auto'
  /** --max-step: refuse to move the clock by more than this many seconds */
  maxStepSeconds: number | undefined
}

export type Plan =
  | { action: 'report'; method: Method; offset: number }
  | { action: 'set'; method: Method; offset: number }
  | { action: 'refuse'; method: Method; offset: number; limit: number }

export function decide(offset: number, options: DecideOptions): Plan {
  const method: Method =
    options.method !== 'auto' ? options.method : Math.abs(offset) >= STEP_THRESHOLD_SECONDS ? 'step' : 'slew'
  if (options.readOnly) return { action: 'report', method, offset }
  const limit = options.maxStepSeconds
  if (limit !== undefined && Math.abs(offset) > limit) return { action: 'refuse', method, offset, limit }
  return { action: 'set', method, offset }
}
