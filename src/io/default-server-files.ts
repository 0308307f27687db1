/** Reads the files the default server list comes from (src/default-servers.ts chooses from them). */
import { readFileSync } from 'node:fs'
import type { DefaultServerTexts } from '../default-servers.js'

export const DEFAULTS_FILE = '/etc/default/tsntpdate'
export const STEP_TICKERS_FILE = '/etc/ntp/step-tickers'

/** Where the two files are: the environment may point elsewhere (cron/ntpdate-hourly honours the same names). */
export function defaultServerPaths(env: NodeJS.ProcessEnv): { defaults: string; stepTickers: string } {
  return {
    defaults: env['TSNTPDATE_DEFAULTS_FILE'] || DEFAULTS_FILE,
    stepTickers: env['TSNTPDATE_STEP_TICKERS'] || STEP_TICKERS_FILE,
  }
}

/** A file that is missing or unreadable counts as absent, as `[ -r FILE ]` in the cron script. */
export function readDefaultServerTexts(paths: { defaults: string; stepTickers: string }): DefaultServerTexts {
  return { defaults: readIfReadable(paths.defaults), stepTickers: readIfReadable(paths.stepTickers) }
}

function readIfReadable(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
