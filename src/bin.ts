/** The executable's body: real dependencies in, exit status out. */
import { main, type System } from './cli/main.js'
import { ExitCode } from './exit-codes.js'
import { linePrefix } from './format.js'
import { defaultServerPaths, readDefaultServerTexts } from './io/default-server-files.js'
import { VERSION } from './version.js'

async function loadSystem(): Promise<System> {
  const [{ libcClock }, { udpSocketOpener }, { resolveWithSystem }, { randomBytes }] = await Promise.all([
    import('./io/clock-libc.js'),
    import('./io/udp.js'),
    import('./io/resolve.js'),
    import('node:crypto'),
  ])
  return {
    clock: libcClock,
    resolve: resolveWithSystem,
    openSocket: udpSocketOpener(libcClock),
    randomBytes: (count) => randomBytes(count),
  }
}

// A reader that goes away (`tsntpdate -q … | head -1`) must not turn into a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
}
process.on('uncaughtException', (error) => {
  process.stderr.write(`${linePrefix(new Date(), process.pid)}internal error: ${error.message}\n`)
  process.exit(ExitCode.Internal)
})

const code = await main(process.argv.slice(2), {
  version: VERSION,
  pid: process.pid,
  stdout: (line) => process.stdout.write(line + '\n'),
  stderr: (line) => process.stderr.write(line + '\n'),
  localTime: () => new Date(),
  loadSystem,
  defaultServerTexts: () => readDefaultServerTexts(defaultServerPaths(process.env)),
})
process.exitCode = code
