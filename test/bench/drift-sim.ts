/**
 * The drift simulation of `npm run bench` (issue 14): a local clock whose oscillator runs 30 ppm
 * slow and wanders by 0.1 ppm an hour, synced hourly by the real main() (selection, estimate,
 * frequency) over a simulated network, with --drift-file or without it. What it measures: the
 * clock's offset just before each run, as the model knows it.
 *
 * The model, in true seconds t since the start: the local clock runs at 1 + (f − ρ(t))·10⁻⁶, with
 * ρ the oscillator's error and f the kernel's frequency (ppm); a slew moves it 500 µs a second more
 * until done; a step moves it at once. ρ's slope is ±0.1 ppm/h, turning with a chance of 1 in 6
 * each hour. The servers keep true time; the paths are LAN or WAN below.
 */
import { main, type System } from '../../src/cli/main.js'
import { FREQ_UNITS_PER_PPM } from '../../src/io/kernel/timex.js'
import type { DatagramListener } from '../../src/ports.js'
import type { Endpoint } from '../../src/ntp/endpoint.js'
import { mainDeps, serverReply, SERVER_HOLD_NANOS, START } from '../helpers/fake-system.js'
import { seededRandom } from '../helpers/seeded-random.js'

export const SIMULATION = {
  hours: 48,
  oscillatorPpm: 30,
  wanderPpmPerHour: 0.1,
  servers: ['192.0.2.1', '192.0.2.2', '192.0.2.3'],
}
/** each way: a fixed delay, plus an exponential jitter of this mean, drawn per packet */
export interface Paths {
  baseOneWaySeconds: number
  jitterMeanSeconds: number
}
export const LAN: Paths = { baseOneWaySeconds: 0.5e-3, jitterMeanSeconds: 0.2e-3 }
export const WAN: Paths = { baseOneWaySeconds: 10e-3, jitterMeanSeconds: 2e-3 }
const SLEW_RATE = 500e-6
const DRIFT_FILE = '/simulated/drift'
/** the bad run's outbound paths are this much longer than the return: its offsets are half of it off */
export const BAD_RUN_ASYMMETRY_SECONDS = 0.02

export interface SimulatedRun {
  hour: number
  /** the local clock's offset from true time just before the run, seconds (> 0: ahead) */
  offsetBefore: number
  /** the kernel frequency after the run, ppm */
  kernelPpm: number
}

/** One simulated clock, hourly runs for SIMULATION.hours; `learn`: with --drift-file, else --no-drift. */
export async function simulateHourlyRuns(seed: number, learn: boolean, paths: Paths, badHour?: number): Promise<SimulatedRun[]> {
  const random = seededRandom(seed)
  const clock = new ModelClock(SIMULATION.oscillatorPpm, random)
  const files = new Map<string, string>()
  const path = { asymmetrySeconds: 0 }
  const system = simulatedSystem(clock, files, random, paths, path)
  const runs: SimulatedRun[] = []
  for (let hour = 0; hour <= SIMULATION.hours; hour++) {
    const offsetBefore = clock.offset
    path.asymmetrySeconds = hour === badHour ? BAD_RUN_ASYMMETRY_SECONDS : 0
    const { deps, stderr } = mainDeps(system)
    const argv = ['--gap', '0', '-t', '1', ...(learn ? ['--drift-file', DRIFT_FILE] : ['--no-drift']), ...SIMULATION.servers]
    const code = await main(argv, deps)
    if (code !== 0) throw new Error(`simulated run at hour ${hour} exited ${code}: ${stderr.join('; ')}`)
    runs.push({ hour, offsetBefore, kernelPpm: clock.frequencyPpm })
    clock.advance(3600 - (clock.t % 3600))
  }
  return runs
}

class ModelClock {
  /** true seconds since the start */
  t = 0
  /** local − true, seconds */
  offset = 0
  /** the kernel's frequency offset, ppm */
  frequencyPpm = 0
  /** what a slew has still to move */
  slewLeft = 0
  /** the sum of the steps: CLOCK_REALTIME − CLOCK_BOOTTIME moves by these only */
  stepped = 0
  private slope: number

  constructor(
    private oscillatorPpm: number,
    private random: () => number,
  ) {
    this.slope = random() < 0.5 ? SIMULATION.wanderPpmPerHour : -SIMULATION.wanderPpmPerHour
  }

  /** local time, nanoseconds since the epoch */
  nowNanos(): bigint {
    return START + BigInt(Math.round((this.t + this.offset) * 1e9))
  }

  advance(seconds: number): void {
    // in slices of at most a second: the slew ends within one, the wander is linear in each
    for (let left = seconds; left > 0;) {
      const dt = Math.min(1, left)
      const hourBefore = Math.floor(this.t / 3600)
      const ppm = this.frequencyPpm - (this.oscillatorPpm + (this.slope / 3600) * (dt / 2))
      this.oscillatorPpm += (this.slope / 3600) * dt
      const slew = Math.sign(this.slewLeft) * Math.min(Math.abs(this.slewLeft), SLEW_RATE * dt)
      this.slewLeft -= slew
      this.offset += ppm * 1e-6 * dt + slew
      this.t += dt
      left -= dt
      if (Math.floor(this.t / 3600) !== hourBefore && this.random() < 1 / 6) this.slope = -this.slope
    }
  }
}

function simulatedSystem(clock: ModelClock, files: Map<string, string>, random: () => number, paths: Paths, path: { asymmetrySeconds: number }): System {
  const oneWay = () => paths.baseOneWaySeconds - paths.jitterMeanSeconds * Math.log(1 - random())
  return {
    timeDaemon: () => undefined,
    canSetClock: () => true,
    markSynchronised: () => undefined,
    keys: { readKeyFile: () => ({ absent: true }), symmetricAuth: async () => Promise.reject(new Error('no keys in the simulation')) },
    nts: async () => Promise.reject(new Error('no NTS in the simulation')),
    drift: {
      read: (path) => {
        const text = files.get(path)
        return text === undefined ? { absent: true } : { text }
      },
      write: (path, text) => void files.set(path, text),
      bootId: () => 'simulated-boot',
      clocks: () => {
        const boottimeSeconds = clock.t + clock.offset - clock.stepped
        return { boottimeSeconds, realMinusBootSeconds: Number(START) / 1e9 + clock.stepped }
      },
      kernelPpm: () => clock.frequencyPpm,
      // the kernel keeps the frequency in units of 2⁻¹⁶ ppm
      setKernelPpm: (ppm) => (clock.frequencyPpm = Math.round(ppm * FREQ_UNITS_PER_PPM) / FREQ_UNITS_PER_PPM),
    },
    clock: {
      nowNanos: () => {
        clock.advance(1e-6)
        return clock.nowNanos()
      },
      step: (offset) => {
        clock.offset += offset
        clock.stepped += offset
      },
      slew: (offset) => void (clock.slewLeft = offset),
    },
    resolve: async (host) => [{ address: host, family: 4 }],
    randomBytes: (n) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256)),
    openSocket: async (_family, listener: DatagramListener) => ({
      async send(bytes: Uint8Array, to: Endpoint) {
        clock.advance(oneWay() + path.asymmetrySeconds)
        const reply = serverReply(bytes, START + BigInt(Math.round(clock.t * 1e9)), 2)
        clock.advance(Number(SERVER_HOLD_NANOS) / 1e9 + oneWay())
        const arrivedAt = clock.nowNanos()
        setImmediate(() => listener(reply, { address: to.address, port: to.port }, arrivedAt))
      },
      async close() {},
    }),
  }
}
