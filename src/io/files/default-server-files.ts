/** Reads the files the default server list comes from (src/config/default-servers.ts chooses from them). */
import type { DefaultServerTexts } from '../../config/default-servers.js'
import { readConfigFile } from './read-config-file.js'

export const DEFAULTS_FILE = '/etc/default/tsntpdate'
export const STEP_TICKERS_FILE = '/etc/ntp/step-tickers'

/** Where the two files are: the environment may point elsewhere (cron/ntpdate-hourly honours the same names). */
export function defaultServerPaths(env: NodeJS.ProcessEnv): { defaults: string; stepTickers: string } {
  return {
    defaults: env['TSNTPDATE_DEFAULTS_FILE'] || DEFAULTS_FILE,
    stepTickers: env['TSNTPDATE_STEP_TICKERS'] || STEP_TICKERS_FILE,
  }
}

/**
 * A file that is missing or unreadable counts as absent, as `[ -r FILE ]` in the cron script; one
 * that is there but is no regular file, or too large, counts as absent with a warning.
 */
export function readDefaultServerTexts(paths: { defaults: string; stepTickers: string }): DefaultServerTexts {
  const warnings: string[] = []
  const textOf = (path: string) => {
    const read = readConfigFile(path)
    if ('refused' in read) warnings.push(read.refused)
    return 'text' in read ? read.text : undefined
  }
  return { defaults: textOf(paths.defaults), defaultsPath: paths.defaults, stepTickers: textOf(paths.stepTickers), stepTickersPath: paths.stepTickers, warnings }
}
