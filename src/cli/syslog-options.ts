/** The syslog options (-s, --syslog-facility, --syslog-server, --syslog-format) from their texts, or a UsageError. Pure. */
import { UsageError } from '../errors.js'
import { DEFAULT_FACILITY, DEFAULT_SYSLOG_FORMAT, parseFacility, parseSyslogServer, SYSLOG_FORMATS, type SyslogFormat } from '../config/syslog-config.js'
import type { SyslogChoice } from '../config/syslog-config.js'

export interface SyslogTexts {
  syslog: boolean
  facility: string | undefined
  server: string | undefined
  format: string | undefined
}

export function parseSyslogOptions(texts: SyslogTexts): SyslogChoice {
  const facility = parseFacility(texts.facility ?? DEFAULT_FACILITY)
  if (typeof facility !== 'number') throw new UsageError(`--syslog-facility: ${facility.error}`)
  const server = texts.server === undefined ? undefined : parseSyslogServer(texts.server)
  if (server && 'error' in server) throw new UsageError(`--syslog-server: ${server.error}`)
  const format = texts.format ?? DEFAULT_SYSLOG_FORMAT
  if (!SYSLOG_FORMATS.includes(format as SyslogFormat)) {
    throw new UsageError(`--syslog-format: '${format}' is not ${SYSLOG_FORMATS.join(' or ')}`)
  }
  return { syslog: texts.syslog, syslogFacility: facility, syslogServer: server, syslogFormat: format as SyslogFormat }
}
