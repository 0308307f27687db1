/** What the command line asks of a run (cli/args.ts reads argv into it). */
import type { Method } from '../decide/decide.js'
import type { AddressFamily } from '../ntp/endpoint.js'
import type { SyslogChoice } from './syslog-config.js'

/** Classic ntpdate's key file. */
export const DEFAULT_KEY_FILE = '/etc/ntp.keys'

export interface Options extends SyslogChoice {
  servers: string[]
  /** true when no server was named: the configured ones are used (config/default-servers.ts) */
  defaultServers: boolean
  family: AddressFamily | undefined
  /** --source: the local address requests are sent from (its family is the run's) */
  sourceAddress: string | undefined
  samples: number
  gapSeconds: number
  timeoutSeconds: number
  /** -o: the NTP version of the requests */
  ntpVersion: number
  query: boolean
  debug: boolean
  method: Method | 'auto'
  maxStepSeconds: number | undefined
  /** --force: set the clock even while a time daemon keeps it */
  force: boolean
  /** --max-offset: the check mode (implies query): exit 3 when |offset| is above it */
  maxOffsetSeconds: number | undefined
  /** --json: one JSON document on stdout instead of the classic lines */
  json: boolean
  /** --metrics-file: where to write node_exporter textfile metrics */
  metricsFile: string | undefined
  /** -a: the key every request is signed with and every reply must verify with */
  keyId: number | undefined
  /** -k: where the keys are; undefined when not named (DEFAULT_KEY_FILE then) */
  keyFile: string | undefined
  /** -e: classic's authentication delay; checked, and without effect (T1 is read after the MAC) */
  authDelaySeconds: number | undefined
  /** false with --no-sync-mark: after a set, the kernel's STA_UNSYNC is left as it was */
  syncMark: boolean
  /** --drift-file, unless --no-drift: where the runs are recorded that the clock's rate is learned from */
  driftFile: string | undefined
  /** --nts: every server is an NTS-KE server; only NTS-authenticated replies count */
  nts: boolean
  /** --nts-ca: PEM file of CAs trusted for NTS-KE besides the system's */
  ntsCa: string | undefined
  /** --nts-cache: the cookie cache directory; undefined: the default for the user */
  ntsCache: string | undefined
  showVersion: boolean
  help: boolean
}
