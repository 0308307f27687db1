/**
 * Bad command lines through the real CLI: exit 2, one prefixed stderr line, no stack trace.
 * Address block of this file: 127.0.2.x, ports 12200-12299 (nothing listens there: should a bad
 * command line ever be accepted, the run fails with exit 1 instead of touching anything).
 */
import t from 'tap'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OPTIONS, optionFlags } from '../../src/cli/option-table.js'
import { BIN, lines, parsePrefixedLine, PREFIXED_LINE, runCli, runCommand } from '../helpers/cli.js'

const NOWHERE = '127.0.2.1:12201'
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

/** argv (always with -q, so that nothing could be set even if it were accepted), and what the message must name */
const BAD: ReadonlyArray<{ args: string[]; names: RegExp }> = [
  { args: ['-t', 'abc', NOWHERE], names: /-t\b.*'abc'/ },
  { args: ['-p', '0', NOWHERE], names: /-p\b.*'0'/ },
  { args: ['-p', '9', NOWHERE], names: /-p\b.*'9'/ },
  { args: ['-o', '5', NOWHERE], names: /-o\b.*'5'/ },
  { args: ['--bogus', NOWHERE], names: /--bogus/ },
  { args: ['-z', NOWHERE], names: /-z\b/ },
  { args: ['[::1'], names: /\[::1\b.*'\]'/ },
  { args: ['host:99999'], names: /host:99999.*99999/ },
  { args: ['-s', '--syslog-facility', 'kern', NOWHERE], names: /--syslog-facility\b.*'kern'/ },
  { args: ['--syslog-server', 'http://127.0.2.1', NOWHERE], names: /--syslog-server\b.*'http:\/\/127\.0\.2\.1'/ },
  { args: ['--syslog-server', 'udp://127.0.2.1:0', NOWHERE], names: /--syslog-server\b.*port 0/ },
  { args: ['--syslog-format', 'json', NOWHERE], names: /--syslog-format\b.*'json'/ },
  { args: ['-a', '0', NOWHERE], names: /-a\b.*'0'/ },
  { args: ['-a', '1', '-k', '/nonexistent/ntp.keys', NOWHERE], names: /-k \/nonexistent\/ntp\.keys: no such key file/ },
  { args: ['-e', '2', NOWHERE], names: /-e\b.*'2'/ },
]

for (const { args, names } of BAD) {
  t.test(`tsntpdate -q ${args.join(' ')}: usage error`, async (t) => {
    const r = await runCli(['-q', ...args])
    t.equal(r.code, 2, 'exit 2', { stdout: r.stdout, stderr: r.stderr })
    t.equal(r.stdout, '', 'nothing on stdout')
    const errors = lines(r.stderr)
    t.equal(errors.length, 1, 'exactly one stderr line', { stderr: r.stderr })
    const line = errors[0] ?? ''
    t.match(line, PREFIXED_LINE, "in the 'DATE tsntpdate[PID]: message' form")
    const parsed = parsePrefixedLine(line)
    t.equal(parsed?.pid, r.pid, 'with the pid of the process')
    t.match(parsed?.message ?? '', names, `the message names the problem: ${parsed?.message}`)
    t.notOk(/^\s*at /m.test(r.stderr), 'no stack-trace line')
    t.notMatch(r.stderr, /internal error/, 'not reported as an internal error')
  })
}

t.test('--help: exit 0, lists every option', async (t) => {
  const r = await runCli(['--help'])
  t.equal(r.code, 0, 'exit 0')
  t.equal(r.stderr, '', 'nothing on stderr')
  t.match(r.stdout, /usage: tsntpdate /, 'a usage line')
  // Spelled out here, not only taken from the option table, so a dropped option fails the test.
  const expected = ['-4', '-6', '-a', '-B', '-b', '-d', '-e', '-k', '-o', '-p', '-q', '-s', '-t', '-u', '-v', '-h', '--gap', '--max-step', '--syslog-facility', '--syslog-server', '--syslog-format']
  const optionLines = lines(r.stdout).filter((line) => /^\s+-/.test(line))
  for (const option of expected) {
    const pattern = new RegExp(`^\\s+(?:-\\S, )?${option.replace(/-/g, '\\-')}\\b`)
    t.ok(
      optionLines.some((line) => pattern.test(line)),
      `lists ${option}`,
    )
  }
  for (const option of OPTIONS) {
    t.ok(
      optionLines.some((line) => line.includes(optionFlags(option)) && line.includes(option.description)),
      `lists '${optionFlags(option)}' with its description`,
    )
  }
  t.equal(optionLines.length, OPTIONS.length, 'one line per option')
})

t.test('-h is --help', async (t) => {
  const [short, long] = await Promise.all([runCli(['-h']), runCli(['--help'])])
  t.equal(short.code, 0)
  t.equal(short.stdout, long.stdout)
})

t.test('a checkout that was never built: one line naming the missing bundle, exit 70', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tsntpdate-unbuilt-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  cpSync(join(BIN, '..'), join(root, 'bin'), { recursive: true })
  const r = await runCommand([process.execPath, join(root, 'bin', 'tsntpdate'), '-q', '127.0.0.1'])
  t.equal(r.code, 70, 'exit 70 (internal)')
  t.equal(r.stdout, '')
  t.equal(r.stderr, 'tsntpdate: cannot start: dist/tsntpdate.cjs is missing (run npm run build)\n', 'one line, no stack trace')
})

t.test('-v: prints the version, exit 0', async (t) => {
  const r = await runCli(['-v'])
  t.equal(r.code, 0, 'exit 0')
  t.equal(r.stdout, `tsntpdate ${pkg.version}\n`, 'exactly the version line')
  t.equal(r.stderr, '', 'nothing on stderr')
})
