/**
 * One reading of /etc/default/tsntpdate (issue 9, finding 6): the cron script sources it with sh,
 * tsntpdate parses it itself (src/config/defaults-file.ts). Over generated files, wherever tsntpdate
 * accepts a file, sh reads it without error and finds the same NTPSERVERS. sh runs only on files
 * tsntpdate accepted, in a scratch directory.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import t from 'tap'
import { parseDefaultsFile } from '../../src/config/defaults-file.js'
import { holds } from '../helpers/property.js'

const TRICKY = [...'ab1.:-_/@%+=[],', ' ', '\t', '#', ';', '$', '`', '\\', "'", '"', '~', '*', '?', '{', '}', '&', '|', '<', '>', '(', ')', '!', 'é', '\r']
const chars = (pool: readonly string[], maxLength = 12) => fc.array(fc.constantFrom(...pool), { maxLength }).map((a) => a.join(''))
const without = (...excluded: string[]) => TRICKY.filter((c) => !excluded.includes(c) && c !== '\r')

const value = fc.oneof(
  chars(without('"', '\\', '$', '`')).map((v) => `"${v}"`),
  // one character sh treats specially inside double quotes: outside the subset
  fc
    .tuple(chars(without('"', '\\', '$', '`'), 4), fc.constantFrom('$a', '$1', '$', '${a}', '$(x)', '\\"', '\\\\', '\\$', '`x`'), chars(without('"', '\\', '$', '`'), 4))
    .map(([a, special, b]) => `"${a}${special}${b}"`),
  chars(without("'")).map((v) => `'${v}'`),
  chars([...'ab1.:-_/@%+=[],']),
  chars(TRICKY), // mostly outside the subset
)
const assignment = fc
  .tuple(
    fc.constantFrom('', ' ', '\t'),
    fc.constantFrom('', 'export '),
    fc.constantFrom('NTPSERVERS', 'NTPSERVERS', 'NTPSERVERS', 'NTPOPTIONS', 'X_1'),
    value,
    fc.constantFrom('', ' ', ' # note', '\t#', '#x', ' x'),
  )
  .map(([indent, exported, name, v, tail]) => `${indent}${exported}${name}=${v}${tail}`)
const line = fc.oneof(
  { weight: 5, arbitrary: assignment },
  { weight: 1, arbitrary: fc.constantFrom('', '# comment', '  # indented "comment"', 'if true; then', 'fi', 'A=x; B=y') },
  { weight: 1, arbitrary: chars(TRICKY, 8) },
)
const file = fc.tuple(fc.array(line, { maxLength: 6 }), fc.boolean()).map(([lines, newline]) => lines.join('\n') + (newline ? '\n' : ''))

t.test('where tsntpdate accepts a defaults file, sh reads the same NTPSERVERS', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-sh-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'defaults')
  let accepted = 0
  holds(
    t,
    fc.property(file, (text) => {
      const parsed = parseDefaultsFile(text, path)
      if ('error' in parsed) return true
      accepted++
      writeFileSync(path, text)
      const sh = spawnSync('sh', ['-c', '. "$1"; printf %s "$NTPSERVERS"', 'sh', path], { cwd: dir, encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } })
      const expected = parsed.values.get('NTPSERVERS') ?? ''
      if (sh.status === 0 && sh.stderr === '' && sh.stdout === expected) return true
      throw new Error(`sh read ${JSON.stringify(sh.stdout)} (exit ${sh.status}, ${JSON.stringify(sh.stderr)}), tsntpdate ${JSON.stringify(expected)}`)
    }),
    600,
  )
  t.ok(accepted >= 100, `${accepted} of 600 generated files were inside the subset, and so compared with sh`)
})
