/** One formatter, applied once and kept: prettier (.prettierrc.json) over src/, test/ and bin/. */
import { execFileSync } from 'node:child_process'
import t from 'tap'

t.test('every source file is as prettier writes it (npm run format fixes it)', async (t) => {
  let output = ''
  try {
    execFileSync(process.execPath, ['node_modules/prettier/bin/prettier.cjs', '--list-different', 'src/**/*.ts', 'test/**/*.ts', 'bin/*'], { encoding: 'utf8' })
  } catch (error) {
    output = String((error as { stdout?: unknown }).stdout ?? error)
  }
  t.equal(output.trim(), '', 'files prettier would change')
})
