/**
 * A scripted server whose clock runs `ppm` faster than this machine's: ahead by `baseSeconds`
 * when it starts, and by `ppm` µs more every second (our clock falls behind it). It counts on this
 * machine's CLOCK_REALTIME, so a correction we make moves its clock too: a test that sets the clock
 * between two runs would see the estimate off by that correction over the basis. (CLOCK_MONOTONIC_RAW,
 * which no correction moves, runs several ppm off CLOCK_REALTIME on a VM even at frequency 0.)
 * Its receive stamp is the kernel's and its transmit stamp is read right before the send, so its
 * offsets are good to the send's own latency (tens of µs), not to the listener's wake-up (hundreds).
 */
import { libcClock } from '../../src/io/kernel/clock-libc.js'
import { ntpFromUnixNanos } from '../../src/ntp/timestamp.js'
import { replyTo, startScriptServer, type ScriptServer } from './script-server.js'
import type { Teardown } from './teardown.js'

export async function startRateServer(t: Teardown, address: string, ppm: number, baseSeconds = 0): Promise<ScriptServer> {
  const startNanos = libcClock.nowNanos()
  const serverNanos = (localNanos: bigint) => localNanos + BigInt(Math.round((baseSeconds + (Number(localNanos - startNanos) / 1e9) * ppm * 1e-6) * 1e9))
  return startScriptServer(
    t,
    address,
    async (request, from, self, arrivedAtNanos) => {
      const receiveTime = ntpFromUnixNanos(serverNanos(arrivedAtNanos))
      await self.send(replyTo(request, { receiveTime, transmitTime: ntpFromUnixNanos(serverNanos(libcClock.nowNanos())) }), from)
    },
    { kernelStamps: true },
  )
}
