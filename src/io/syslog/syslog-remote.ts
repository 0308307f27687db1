/** A Logger that sends to a remote syslog server over UDP or TCP (syslog-client). Imported only with --syslog-server. */
import { createClient, Transport } from 'syslog-client'
import type { Logger } from '../../ports.js'
import { SEVERITY_CODES, type SyslogFormat, type SyslogServer } from '../../config/syslog-config.js'

const APP_NAME = 'tsntpdate'

/** How long close() waits for the server (TCP connect and writes, UDP sends) before giving up. */
export const DELIVERY_TIMEOUT_MS = 2_000

export interface RemoteSyslogOptions {
  server: SyslogServer
  format: SyslogFormat
  facility: number
  pid: number
  timeoutMs?: number
}

/**
 * RFC 5424: `<PRI>1 TIMESTAMP HOST tsntpdate PID - - MSG`; RFC 3164: `<PRI>Mmm dd hh:mm:ss HOST
 * tsntpdate[PID]: MSG`. Over TCP each message ends with LF (RFC 6587 §3.4.2 non-transparent framing).
 */
export function openRemoteSyslog(options: RemoteSyslogOptions): Logger {
  const { server, format, facility, pid } = options
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS
  const client = createClient(server.host, {
    transport: server.transport === 'tcp' ? Transport.Tcp : Transport.Udp,
    port: server.port,
    rfc3164: format === 'rfc3164',
    appName: APP_NAME,
    facility,
    // longer than our own bound, so that a connect that hangs is reported by close() as such
    tcpTimeout: timeoutMs + 1_000,
  })
  let firstError: unknown
  // Without a listener an 'error' event would be thrown; the log callbacks report it too.
  client.on('error', (error: unknown) => (firstError ??= error))
  const deliveries: Promise<boolean>[] = []
  let delivered = 0

  const send = (text: string, severity: number): Promise<boolean> =>
    new Promise((resolve) => {
      try {
        client.log(text, { facility, severity }, (error) => {
          if (error) firstError ??= error
          else delivered++
          resolve(!error)
        })
      } catch (error) {
        firstError ??= error
        resolve(false)
      }
    })

  return {
    log(severity, message) {
      const text = format === 'rfc3164' ? `${APP_NAME}[${pid}]: ${message}` : message
      deliveries.push(send(text, SEVERITY_CODES[severity]))
    },
    async close() {
      const outcome = await within(Promise.all(deliveries), timeoutMs)
      try {
        client.close()
      } catch {
        // a socket that never opened: nothing to close
      }
      const lost = deliveries.length - delivered
      if (lost === 0) return undefined
      const why = outcome === 'timeout' && firstError === undefined ? `no answer within ${timeoutMs / 1000} s` : describe(firstError)
      return `syslog server ${server.url} not reached: ${why}; ${lost} message${lost === 1 ? '' : 's'} not sent`
    },
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  // this timer is what keeps the process alive meanwhile: syslog-client unrefs its sockets
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
