/** The part of syslog-client 1.1 (plain CommonJS, no typings of its own) that src/io/syslog/syslog-remote.ts uses. */
declare module 'syslog-client' {
  import type { EventEmitter } from 'node:events'

  export const Transport: { readonly Tcp: 1; readonly Udp: 2 }

  export interface ClientOptions {
    syslogHostname?: string
    port?: number
    /** idle timeout of the TCP socket, ms (default 10 000) */
    tcpTimeout?: number
    facility?: number
    severity?: number
    /** true: RFC 3164 framing (the library's default); false: RFC 5424 */
    rfc3164?: boolean
    appName?: string
    transport?: 1 | 2
  }

  export interface LogOptions {
    facility?: number
    severity?: number
    rfc3164?: boolean
    appName?: string
    msgid?: string
    syslogHostname?: string
    timestamp?: Date
  }

  export interface Client extends EventEmitter {
    log(message: string, options: LogOptions, callback: (error?: Error | null) => void): Client
    close(): Client
  }

  export function createClient(target: string, options?: ClientOptions): Client
}
