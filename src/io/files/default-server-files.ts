/** Reads the files the default server list comes from (src/config/default-servers.ts chooses from them). */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { DefaultServerTexts, DhcpServers } from '../../config/default-servers.js'
import { readConfigFile } from './read-config-file.js'

export const DEFAULTS_FILE = '/etc/default/tsntpdate'
export const STEP_TICKERS_FILE = '/etc/ntp/step-tickers'
/** one file per interface, written by the DHCP hooks (cron/dhcp/tsntpdate-dhcp) */
export const DHCP_DIR = '/run/tsntpdate-dhcp'
/** systemd-networkd's leases: one file per interface index, with `NTP=` */
export const NETWORKD_LEASES_DIR = '/run/systemd/netif/leases'

export interface DefaultServerPaths {
  defaults: string
  stepTickers: string
  dhcp?: string
  networkdLeases?: string
}

/** Where the files are: the environment may point elsewhere (cron/ntpdate-hourly honours the same names). */
export function defaultServerPaths(env: NodeJS.ProcessEnv): Required<DefaultServerPaths> {
  return {
    defaults: env['TSNTPDATE_DEFAULTS_FILE'] || DEFAULTS_FILE,
    stepTickers: env['TSNTPDATE_STEP_TICKERS'] || STEP_TICKERS_FILE,
    dhcp: env['TSNTPDATE_DHCP_DIR'] || DHCP_DIR,
    networkdLeases: env['TSNTPDATE_NETWORKD_LEASES'] || NETWORKD_LEASES_DIR,
  }
}

/**
 * A file that is missing or unreadable counts as absent, as `[ -r FILE ]` in the cron script; one
 * that is there but is no regular file, or too large, counts as absent with a warning.
 */
export function readDefaultServerTexts(paths: DefaultServerPaths): DefaultServerTexts {
  const warnings: string[] = []
  const textOf = (path: string) => {
    const read = readConfigFile(path)
    if ('refused' in read) warnings.push(read.refused)
    return 'text' in read ? read.text : undefined
  }
  const dhcp = [...(paths.dhcp ? dhcpLists(paths.dhcp, warnings) : []), ...(paths.networkdLeases ? networkdLeases(paths.networkdLeases, warnings) : [])]
  return {
    defaults: textOf(paths.defaults),
    defaultsPath: paths.defaults,
    stepTickers: textOf(paths.stepTickers),
    stepTickersPath: paths.stepTickers,
    warnings,
    ...(dhcp.length > 0 && { dhcp }),
  }
}

const MAX_INTERFACES = 64
const MAX_LIST_BYTES = 4096

/** The hooks' lists: root's files (or ours) that nobody else may write; one server per line. */
function dhcpLists(dir: string, warnings: string[]): DhcpServers[] {
  return trustedFiles(dir, warnings, false).map(({ path, text }) => ({ from: path, words: text.split(/\s+/).filter((w) => w !== '') }))
}

/**
 * networkd's leases: `NTP=a b` lines. They belong to systemd-network, in a directory only it and
 * root may write, so any owner counts; still nobody else may write the file.
 */
function networkdLeases(dir: string, warnings: string[]): DhcpServers[] {
  return trustedFiles(dir, warnings, true).flatMap(({ path, text }) => {
    const line = text.split('\n').find((l) => l.startsWith('NTP='))
    return line
      ? [
          {
            from: path,
            words: line
              .slice('NTP='.length)
              .split(/\s+/)
              .filter((w) => w !== ''),
          },
        ]
      : []
  })
}

function trustedFiles(dir: string, warnings: string[], anyOwner: boolean): { path: string; text: string }[] {
  let names: string[]
  try {
    names = readdirSync(dir)
      .filter((name) => !name.startsWith('.'))
      .sort()
      .slice(0, MAX_INTERFACES)
  } catch {
    return []
  }
  const uid = process.geteuid?.() ?? 0
  return names.flatMap((name) => {
    const path = join(dir, name)
    const read = readConfigFile(path, MAX_LIST_BYTES)
    if ('refused' in read) warnings.push(`DHCP servers: ${read.refused}`)
    if (!('text' in read)) return []
    if ((!anyOwner && read.uid !== 0 && read.uid !== uid) || (read.mode & 0o022) !== 0) {
      warnings.push(`DHCP servers: ${path} may be written by others than root; ignored`)
      return []
    }
    return [{ path, text: read.text }]
  })
}
