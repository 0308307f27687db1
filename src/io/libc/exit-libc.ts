/**
 * _exit(2), for a process that must not wait for its own worker threads. Node's process.exit()
 * joins libuv's thread pool first, so a getaddrinfo stuck on a resolver that does not answer
 * (glibc: timeout × attempts per name server, 10 s by default) would hold the exit that long.
 * Everything worth keeping is out by then: stdout and stderr writes to files and pipes are
 * synchronous on Linux, the metrics file is synced, and syslog was closed.
 */
import { libc } from './ffi.js'

const exit = libc.func('void _exit(int status)')

export function exitAtOnce(code: number): never {
  exit(code)
  throw new Error('_exit returned')
}
