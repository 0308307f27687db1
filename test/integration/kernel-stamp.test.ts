/**
 * src/io/net/kernel-stamp.ts on real loopback UDP: the kernel's send and receive times, and an error
 * queue that is always left empty (a report left there makes libuv spin at 100 % CPU).
 * Address block of this file: 127.0.13.x (ports chosen by the kernel), chronyd on 127.0.13.20.
 */
import t, { type Test } from 'tap'
import { createSocket, type Socket } from 'node:dgram'
import { libcClock } from '../../src/io/kernel/clock-libc.js'
import { libc } from '../../src/io/libc/ffi.js'
import { kernelStamps, type KernelStamps } from '../../src/io/net/kernel-stamp.js'
import { startChronyd } from '../helpers/chronyd.js'
import { lines, runCli } from '../helpers/cli.js'

process.noDeprecation = true // the test reads socket._handle.fd itself, to poll it

const ADDRESS = '127.0.13.10'
const POLLERR = 0x008
const poll = libc.func('int poll(_Inout_ uint8_t *fds, unsigned long n, int timeout)')

/** Whether the socket's error queue holds something (poll reports POLLERR). */
function errorQueueNonEmpty(socket: Socket): boolean {
  const fds = Buffer.alloc(8)
  fds.writeInt32LE((socket as unknown as { _handle: { fd: number } })._handle.fd, 0)
  fds.writeInt16LE(0, 4)
  poll(fds, 1, 0)
  return (fds.readInt16LE(6) & POLLERR) !== 0
}

interface Arrival {
  readAt: bigint
  stamp: bigint | undefined
}

async function openPair(t: Test) {
  let stamps: KernelStamps | undefined
  const arrivals: Arrival[] = []
  let arrived: () => void = () => {}
  // a synchronous lookup, as src/io/net/udp.ts uses: the sendto(2) happens inside send()
  const lookup = (address: string, _options: unknown, callback: (e: null, a: string, f: number) => void) => callback(null, address, 4)
  const client = createSocket({ type: 'udp4', lookup }, () => {
    const readAt = libcClock.nowNanos()
    arrivals.push({ readAt, stamp: stamps?.received(readAt) })
    arrived()
  })
  const echo = createSocket('udp4', (msg, rinfo) => echo.send(msg, rinfo.port, rinfo.address))
  await Promise.all([client, echo].map((s) => new Promise<void>((resolve) => s.bind(0, ADDRESS, resolve))))
  const found = kernelStamps(client, 4)
  if ('unavailable' in found) throw new Error(`no kernel timestamps: ${found.unavailable}`)
  stamps = found
  t.teardown(() => {
    found.close()
    client.close()
    echo.close()
  })
  const nextArrival = () => new Promise<Arrival>((resolve) => (arrived = () => resolve(arrivals[arrivals.length - 1]!)))
  const send = (bytes: Uint8Array) => client.send(bytes, echo.address().port, ADDRESS)
  return { client, stamps: found, send, nextArrival }
}

t.test('the kernel reports when a datagram left and when its echo arrived', async (t) => {
  const { client, stamps, send, nextArrival } = await openPair(t)
  const echoOnce = async () => {
    const arrival = nextArrival()
    const before = libcClock.nowNanos()
    send(new Uint8Array(48))
    const left = stamps.sent(before)
    const after = libcClock.nowNanos()
    return { before, left, after, queueNonEmpty: errorQueueNonEmpty(client), ...(await arrival) }
  }
  // Linux switches receive stamping on in a deferred worker when no other socket has it on, and
  // under load that came after the first echoes (src/io/net/udp.ts primes for the same reason).
  let warmUps = 0
  while ((await echoOnce()).stamp === undefined && warmUps < 200) {
    warmUps++
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  t.ok(warmUps < 200, `receive stamping came on (after ${warmUps} unstamped echoes)`)
  for (let round = 0; round < 5; round++) {
    const { before, left, after, queueNonEmpty, readAt, stamp } = await echoOnce()
    t.ok(left !== undefined && left >= before && left <= after, `round ${round}: left within the send call (${left === undefined ? 'none' : left - before} ns after the read)`)
    t.notOk(queueNonEmpty, `round ${round}: the error queue is empty after the send`)
    t.ok(stamp !== undefined, `round ${round}: the echo has a kernel receive time`)
    t.ok(stamp! > left! && stamp! < readAt, `round ${round}: it arrived after it left and before the listener ran`)
  }
})

t.test('a report that comes after sent() asked for it is still drained', async (t) => {
  const { client, stamps, send, nextArrival } = await openPair(t)
  t.equal(stamps.sent(libcClock.nowNanos()), undefined, 'nothing was sent yet: no departure time')
  const arrival = nextArrival()
  send(new Uint8Array(48)) // its report now waits in the queue, for the late poll to read
  await arrival
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.notOk(errorQueueNonEmpty(client), 'the error queue was emptied')
})

t.test('the CLI uses kernel timestamps and prints no warning', async (t) => {
  const server = await startChronyd(t, { address: '127.0.13.20', port: 13120 })
  const r = await runCli(['-d', '-q', '-p', '3', '--gap', '0.05', server.spec])
  t.equal(r.code, 0, 'exit 0')
  t.equal(r.stderr, '', 'nothing on stderr (no DEP0112 deprecation warning)')
  const replies = lines(r.stdout).filter((line) => line.startsWith('reply from'))
  t.equal(replies.length, 3, 'three replies')
  for (const line of replies) t.match(line, /, kernel timestamps$/, 'T1 and T4 from the kernel')
})
