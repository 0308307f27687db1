/**
 * `tsntpdate -q A | head -1`: the reader leaves before the final line is written. That must not
 * become a stack trace or change the exit status. Address block of this file: 127.0.5.x.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { startChronyd } from '../helpers/chronyd.js'
import { BIN, cleanEnv, REPO } from '../helpers/cli.js'

t.test('a closed stdout is not an error', async (t) => {
  const server = await startChronyd(t, { address: '127.0.5.1', port: 12501 })
  const child = spawn('/usr/bin/env', ['-u', 'NODE_OPTIONS', process.execPath, BIN, '-d', '-p', '2', '--gap', '0.05', server.spec], {
    cwd: REPO,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.once('data', () => child.stdout.destroy()) // read the first chunk, then hang up
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  t.equal(code, 0, 'exit 0: the run itself succeeded')
  t.equal(stderr, '', 'nothing on stderr, no stack trace')
})
