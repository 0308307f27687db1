/** A Logger on libc's syslog(3) (koffi FFI): what `-s` writes to, i.e. /dev/log. Imported only with -s. */
import { koffi, libc } from '../libc/ffi.js'
import type { Logger } from '../../ports.js'
import { SEVERITY_CODES } from '../../config/syslog-config.js'

const IDENT = 'tsntpdate'
const LOG_PID = 0x01
const LOG_NDELAY = 0x08

const openlog = libc.func('void openlog(void *ident, int option, int facility)')
const syslog = libc.func('void syslog(int priority, const char *format, ...)')
const closelog = libc.func('void closelog(void)')

// openlog(3) keeps the ident pointer and reads it at every syslog(3) call: the string must live
// in memory that neither moves nor is freed, for the whole process.
let identPointer: unknown

/** openlog("tsntpdate", LOG_PID | LOG_NDELAY, facility), as classic ntpdate with "ntpdate". */
export function openLibcSyslog(facility: number): Logger {
  if (identPointer === undefined) {
    const bytes = Buffer.from(`${IDENT}\0`, 'latin1')
    identPointer = koffi.alloc('uint8_t', bytes.length)
    koffi.encode(identPointer, 'uint8_t', [...bytes], bytes.length)
  }
  const facilityBits = facility << 3
  openlog(identPointer, LOG_PID | LOG_NDELAY, facilityBits)
  return {
    log(severity, message) {
      // The message is an argument of "%s", never the format: a '%' in it must not be interpreted.
      syslog(facilityBits | SEVERITY_CODES[severity], '%s', 'str', message)
    },
    async close() {
      closelog()
      return undefined
    },
  }
}
