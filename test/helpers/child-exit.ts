/** Knowing when a test's background process (chronyd, rsyslogd) is gone. */
import type { ChildProcess } from 'node:child_process'

export interface ChildExit {
  /** resolves once the process is gone, or could not be spawned */
  done: Promise<void>
  hasExited(): boolean
  /** why spawning failed, if it did */
  spawnError(): Error | undefined
}

/** 'close', not 'exit': the output is all read by then (and under faketime the pipes stay open until the server itself is gone). */
export function watchExit(child: ChildProcess): ChildExit {
  let exited = false
  let spawnError: Error | undefined
  const done = new Promise<void>((resolve) => {
    child.on('error', (error) => {
      spawnError = error
      exited = true
      resolve()
    })
    child.on('close', () => {
      exited = true
      resolve()
    })
  })
  return { done, hasExited: () => exited, spawnError: () => spawnError }
}
