import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { OPTIONS } from '../../src/cli/option-table.js'

const manPage = readFileSync(new URL('../../man/tsntpdate.8', import.meta.url), 'utf8').replace(/\\-/g, '-')

t.test('every option in --help is documented in man/tsntpdate.8', async (t) => {
  for (const option of OPTIONS) {
    for (const form of [option.short && `-${option.short}`, option.long && `--${option.long}`].filter((f) => f !== undefined)) {
      t.ok(manPage.includes(form), `${form} is in the man page`)
    }
  }
})

t.test('the man page lists every exit status of src/exit-codes.ts', async (t) => {
  const { ExitCode } = await import('../../src/exit-codes.js')
  const section = manPage.slice(manPage.indexOf('.SH EXIT STATUS'), manPage.indexOf('.SH EXAMPLES'))
  for (const code of Object.values(ExitCode)) t.match(section, new RegExp(`^\\.B ${code}$`, 'm'), `exit ${code}`)
})

const page = new URL('../../man/tsntpdate.8', import.meta.url).pathname
const lint = spawnSync('mandoc', ['-T', 'lint', '-W', 'style', page], { encoding: 'utf8' })
const noMandoc = lint.error !== undefined && process.env['CI'] === undefined

t.test('mandoc -T lint finds nothing to say', { skip: noMandoc && 'mandoc is not installed here (CI installs it)' }, async (t) => {
  t.error(lint.error, 'mandoc runs')
  t.equal(`${lint.stdout}${lint.stderr}`, '', 'no warnings')
  t.equal(lint.status, 0)
})
