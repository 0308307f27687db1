/** The executable's body: real dependencies in, exit status out. */
import { main, type Interruption, type System } from './cli/main.js'
import type { InterruptSignal } from './errors.js'
import { ExitCode } from './exit-codes.js'
import { cutLine, linePrefix, oneLine } from './report/format.js'
import type { NtsSources, OpenLogger } from './ports.js'
import { defaultServerPaths, readDefaultServerTexts } from './io/files/default-server-files.js'
import { readConfigFile } from './io/files/read-config-file.js'
import { VERSION } from './config/release.js'
import type { SymmetricKey } from './auth/key-file.js'

async function loadSystem(): Promise<System> {
  const [{ libcClock }, { kernelRandomBytes }, { udpSocketOpener }, { resolveWithSystem }, { findRunningTimeDaemon }, { hasSysTime }, { markKernelSynchronised }, { driftSystem }] = await Promise.all([
    import('./io/kernel/clock-libc.js'),
    import('./io/libc/random-libc.js'),
    import('./io/net/udp.js'),
    import('./io/net/resolve.js'),
    import('./io/host/running-daemons.js'),
    import('./io/kernel/capabilities.js'),
    import('./io/host/mark-synchronised.js'),
    import('./io/host/drift-system.js'),
  ])
  const keys = {
    readKeyFile: readConfigFile,
    // @noble/ciphers and the hashes load only with -a
    symmetricAuth: async (key: SymmetricKey) => (await import('./io/crypto/symmetric-digest.js')).symmetricAuth(key),
  }
  return {
    clock: libcClock,
    resolve: resolveWithSystem,
    openSocket: udpSocketOpener(libcClock),
    randomBytes: kernelRandomBytes,
    timeDaemon: () => findRunningTimeDaemon({ markRecord: process.env['TSNTPDATE_SYNC_MARK'] || undefined }),
    canSetClock: () => hasSysTime(),
    markSynchronised: (mark) => markKernelSynchronised(mark, process.env['TSNTPDATE_SYNC_MARK'] || undefined),
    keys,
    // node:tls, AES-SIV and the cache code load only with --nts
    nts: async (): Promise<NtsSources> => (await import('./io/nts/nts-system.js')).ntsSystem,
    drift: driftSystem,
  }
}

/** FFI and socket modules are imported only when -s or --syslog-server asks for them. */
const openLogger: OpenLogger = async (target) => {
  if (target.kind === 'local') return (await import('./io/syslog/syslog-libc.js')).openLibcSyslog(target.facility)
  const { openRemoteSyslog } = await import('./io/syslog/syslog-remote.js')
  return openRemoteSyslog({ server: target.server, format: target.format, facility: target.facility, pid: process.pid })
}

// A reader that goes away (`tsntpdate -q … | head -1`, EPIPE), a full disk (ENOSPC) or a closed
// descriptor: the lines are lost, but the time work, its exit status, the metrics file and the
// syslog lines are not.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {})
process.on('uncaughtException', (error) => {
  process.stderr.write(`${cutLine(linePrefix(new Date(), process.pid) + oneLine(`internal error: ${error.message}`))}\n`)
  process.exit(ExitCode.Internal)
})

/**
 * SIGINT, SIGTERM and SIGHUP end the run with 128 + the signal's number, after the JSON document and
 * the metrics file are out (main). A second signal does not wait for that, and nothing waits more
 * than SIGNAL_GRACE_MS (a write to a hung file system, a resolver that never answers).
 */
const SIGNAL_GRACE_MS = 1_500

/** _exit(2) (io/libc/exit-libc.ts): process.exit() would wait for a name lookup that hangs */
const exitNow = (code: number) => void import('./io/libc/exit-libc.js').then(({ exitAtOnce }) => exitAtOnce(code))

function watchSignals(): Interruption {
  let arrivedSignal: InterruptSignal | undefined
  let arrive: (signal: InterruptSignal) => void = () => {}
  const arrived = new Promise<InterruptSignal>((resolve) => (arrive = resolve))
  for (const [signal, code] of [
    ['SIGHUP', ExitCode.Hangup],
    ['SIGINT', ExitCode.Interrupt],
    ['SIGTERM', ExitCode.Terminate],
  ] as const) {
    process.on(signal, () => {
      if (arrivedSignal) return exitNow(code)
      arrivedSignal = signal
      setTimeout(() => exitNow(code), SIGNAL_GRACE_MS).unref()
      arrive(signal)
    })
  }
  return { arrived, signal: () => arrivedSignal }
}

const interruption = watchSignals()

void main(process.argv.slice(2), {
  version: VERSION,
  pid: process.pid,
  stdout: (line) => process.stdout.write(line + '\n'),
  stderr: (line) => process.stderr.write(line + '\n'),
  localTime: () => new Date(),
  loadSystem,
  defaultServerTexts: () => readDefaultServerTexts(defaultServerPaths(process.env)),
  openLogger,
  writeFileAtomically: async (path, text) => (await import('./io/files/atomic-write.js')).writeFileAtomically(path, text),
  interruption,
}).then((code) => {
  process.exitCode = code
  // The work is done and every line written. What may still hold the process: the queries a signal
  // cut short, or a name lookup (of a server or a syslog host) that a dead resolver never answers.
  // A pending getaddrinfo holds even process.exit() (see io/libc/exit-libc.ts): do not wait for it.
  if (interruption.signal()) exitNow(code)
  else setTimeout(() => exitNow(code), 200).unref()
})
