/**
 * Pacing for many servers: at most SEND_BATCH requests per turn of the event loop, so that replies
 * are read in between (libuv reads up to 32 datagrams per socket per turn), and at most
 * MAX_IN_FLIGHT requests waiting for a reply at once, so that a burst of replies (or of requests
 * at one busy server) stays well within a socket's receive buffer (Linux's default holds ~250
 * datagrams); what does not fit would be lost. A request stops counting IN_FLIGHT_NANOS after it
 * went out, so dead servers hold up the others only that long (500 dead ones: ~0.4 s), while a
 * server host that stalls for less than that is not flooded meanwhile.
 */
import type { ClockReader, Timers } from '../ports.js'

const SEND_BATCH = 16
const MAX_IN_FLIGHT = 128
const IN_FLIGHT_NANOS = 100_000_000n

export interface SendWindow {
  clock: ClockReader
  timers: Timers
  /** requests still waiting for a reply that went out after `sinceNanos` */
  inFlightSince(sinceNanos: bigint): number
}

export function sendPaced<T>(items: readonly T[], send: (item: T) => void, window: SendWindow, from = 0): void {
  const room = MAX_IN_FLIGHT - window.inFlightSince(window.clock.nowNanos() - IN_FLIGHT_NANOS)
  const to = Math.min(from + SEND_BATCH, items.length, from + Math.max(0, room))
  for (const item of items.slice(from, to)) send(item)
  if (to === items.length) return
  // the window is full: give the replies (or the clock) a millisecond
  if (to === from) window.timers.after(1, () => sendPaced(items, send, window, to))
  else window.timers.soon(() => sendPaced(items, send, window, to))
}
