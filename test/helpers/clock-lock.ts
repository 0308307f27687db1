/**
 * One test file at a time may set this machine's clock or pretend a time daemon runs.
 *
 * tap runs test files in parallel. test/integration/time-daemon.test.ts starts processes named
 * ntpd and chronyd; while they run, every tsntpdate that means to set the clock refuses (exit 5),
 * whichever file started it. So each file that runs tsntpdate in a setting mode (neither -q nor
 * -d) holds this lock while it does: a file on the same machine, shared by every checkout.
 * A real set also marks the kernel clock synchronised: while it holds the lock, the file's sets
 * see each other's mark, and the kernel's state is put back before the lock is given up.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import type { Teardown } from './teardown.js'
import { keepKernelNtpState } from './kernel-clock-state.js'

// /tmp, not os.tmpdir(): every test process must find the same file, whatever its TMPDIR
const LOCK = '/tmp/tsntpdate-clock-tests.lock'
const POLL_MS = 200

/** What a test gives us to hang the release on: tap's `t` (any Test) fits. */
/** Waits until no other test process holds the lock, takes it, and frees it at `t`'s teardown. */
export async function holdClockLock(t: Teardown, timeoutMs = 100_000): Promise<void> {
  const mine = `${LOCK}.${process.pid}`
  writeFileSync(mine, String(process.pid))
  const deadline = Date.now() + timeoutMs
  try {
    while (!tryTake(mine)) {
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${LOCK} (held by pid ${ownerOf()}): clock tests of another file still running?`)
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  } finally {
    unlinkSync(mine)
  }
  const restore = keepKernelNtpState()
  const release = () => {
    if (ownerOf() !== process.pid) return
    try {
      restore()
    } finally {
      unlinkSync(LOCK)
    }
  }
  t.teardown(release)
  process.on('exit', release)
}

/** link(2) fails if the lock exists, so at most one process gets it; a dead owner's lock is removed. */
function tryTake(mine: string): boolean {
  try {
    linkSync(mine, LOCK)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const owner = ownerOf()
  if (owner !== undefined && !alive(owner)) {
    try {
      unlinkSync(LOCK)
    } catch {
      // another waiter removed it first
    }
  }
  return false
}

function ownerOf(): number | undefined {
  try {
    const pid = Number(readFileSync(LOCK, 'utf8'))
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
