/** The Timers port (ports.ts) on Node's own timers. */
import type { Timers } from '../../ports.js'

export const nodeTimers: Timers = {
  after(ms, fn) {
    const timer = setTimeout(fn, ms)
    return () => clearTimeout(timer)
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms)
    return () => clearInterval(timer)
  },
  soon(fn) {
    setImmediate(fn)
  },
}
