/**
 * A clock and timers on virtual time, for the query loop (src/ports.ts Timers, ClockReader):
 * nothing waits for real time. `run(promise)` lets the loop go: it settles what is ready, then
 * jumps to the next timer, until the promise settles.
 */
import type { ClockReader, Timers } from '../../src/ports.js'

interface Scheduled {
  dueNanos: bigint
  order: number
  fn: () => void
  everyNanos?: bigint
  cancelled: boolean
}

export interface FakeTime {
  clock: ClockReader
  timers: Timers
  /** virtual nanoseconds since the start */
  elapsedNanos(): bigint
  /** runs timers in due order, jumping the clock to each, until `promise` settles */
  run<T>(promise: Promise<T>): Promise<T>
}

export const FAKE_START_NANOS = 1_800_000_000_000_000_000n

export function fakeTime(): FakeTime {
  let now = FAKE_START_NANOS
  let order = 0
  const queue: Scheduled[] = []
  const schedule = (ms: number, fn: () => void, every: boolean) => {
    const delay = BigInt(Math.round(Math.max(1, ms) * 1e6))
    const entry: Scheduled = { dueNanos: now + delay, order: order++, fn, cancelled: false, ...(every && { everyNanos: delay }) }
    queue.push(entry)
    return () => void (entry.cancelled = true)
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve))
  return {
    clock: { nowNanos: () => now },
    timers: {
      after: (ms, fn) => schedule(ms, fn, false),
      every: (ms, fn) => schedule(ms, fn, true),
      soon: (fn) => void queue.push({ dueNanos: now, order: order++, fn, cancelled: false }),
    },
    elapsedNanos: () => now - FAKE_START_NANOS,
    async run<T>(promise: Promise<T>): Promise<T> {
      let done = false
      const watched = promise.finally(() => (done = true))
      for (;;) {
        await settle()
        if (done) return watched
        const live = queue.filter((e) => !e.cancelled)
        queue.length = 0
        queue.push(...live)
        if (live.length === 0) throw new Error('fake time: nothing scheduled, and the promise is still pending')
        live.sort((a, b) => (a.dueNanos === b.dueNanos ? a.order - b.order : a.dueNanos < b.dueNanos ? -1 : 1))
        const next = live[0]
        if (!next) continue
        if (next.dueNanos > now) now = next.dueNanos
        if (next.everyNanos === undefined) queue.splice(queue.indexOf(next), 1)
        else next.dueNanos += next.everyNanos
        next.fn()
      }
    },
  }
}
