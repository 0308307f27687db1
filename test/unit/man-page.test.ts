import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { OPTIONS } from '../../src/cli/option-table.js'

// man/tsntpdate.8 is made by marked-man from man/tsntpdate.8.md (npm run man): every - is \-, every
// . is \. (after a font change \|\.); read as plain text here
const manPage = readFileSync(new URL('../../man/tsntpdate.8', import.meta.url), 'utf8')
  .replace(/\\-/g, '-')
  .replace(/\\\|/g, '')
  .replace(/\\\./g, '.')

t.test('every option in --help is documented in man/tsntpdate.8', async (t) => {
  for (const option of OPTIONS) {
    for (const form of [option.short && `-${option.short}`, option.long && `--${option.long}`].filter((f) => f !== undefined)) {
      t.ok(manPage.includes(form), `${form} is in the man page`)
    }
  }
})

t.test('every option of --help is in the three synopses: the man page, README and the usage line (issue 22, point 16)', async (t) => {
  const { USAGE } = await import('../../src/cli/option-table.js')
  const synopsis = manPage
    .slice(manPage.indexOf('.SH SYNOPSIS'), manPage.indexOf('.SH DESCRIPTION'))
    .replace(/^\.[A-Za-z]+ ?/gm, '')
    .replace(/\\f[BIRP]/g, '')
    .replace(/\n/g, ' ')
    .replace(/\[ /g, '[')
    .replace(/ \]/g, ']')
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const readmeSynopsis = /## Use\n\n```\n(.*)\n```/.exec(readme)?.[1] ?? ''
  t.ok(readmeSynopsis.startsWith('tsntpdate '), "README's Use section opens with the synopsis")
  // -46bBdqsuv and -h bundle as letters; the rest are named one by one
  const letters = /\[-([0-9A-Za-z]+)\]/
  for (const [name, text] of [
    ['man SYNOPSIS', synopsis],
    ['README', readmeSynopsis],
    ['--help usage', USAGE],
  ] as const) {
    const flags = letters.exec(text)?.[1] ?? ''
    for (const option of OPTIONS) {
      if (option.short === 'h') continue
      const present =
        (option.short !== undefined && option.value === undefined && flags.includes(option.short)) ||
        (option.short !== undefined && new RegExp(`\\[-${option.short} `).test(text)) ||
        (option.long !== undefined && text.includes(`--${option.long}`))
      t.ok(present, `${name}: ${option.short ? `-${option.short}` : `--${option.long}`}`)
    }
  }
})

t.test("FILES names every setting of the defaults file and the package's paths (issue 22, point 16)", async (t) => {
  const files = manPage.slice(manPage.indexOf('.SH FILES'), manPage.indexOf('.SH EXAMPLES'))
  const sample = readFileSync(new URL('../../cron/tsntpdate.default', import.meta.url), 'utf8')
  const names = [...sample.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1])
  t.ok(names.length >= 7, `the sample's settings: ${names.join(' ')}`)
  // each setting is a list item of its own, its name alone in bold on the first line
  for (const name of names) if (name) t.match(files, new RegExp(`^\\\\fB${name}\\\\fR$`, 'm'), name)
  const build = readFileSync(new URL('../../cron/debian/build-deb.sh', import.meta.url), 'utf8')
  for (const path of ['/usr/sbin/tsntpdate', '/usr/sbin/tsntpdate-hourly', '/etc/cron.hourly/tsntpdate', '/lib/systemd/system/', '/usr/lib/tsntpdate/', '/etc/default/tsntpdate']) {
    t.ok(build.includes(path.replace(/^\/(usr|etc|lib)/, '$root/$1')) || build.includes(path.slice(1)), `the package installs ${path}`)
    t.ok(files.includes(path), `FILES names ${path}`)
  }
  t.notMatch(files, /\/etc\/systemd\/system\/tsntpdate[^ ]*\.service"? *$/m, 'no unit path the package does not use as a heading')
})

t.test('the JSON status list names every reason a server is rejected for (issue 22, point 16)', async (t) => {
  const usage = readFileSync(new URL('../../docs/usage.md', import.meta.url), 'utf8')
  // the list item, up to the next request line (text lines never start with a dot: marked-man
  // writes \|. there)
  const manList = /\\fBrejected:\\fR\\fIreason\\fR, where\s[^]*?(?=\n\.)/.exec(readFileSync(new URL('../../man/tsntpdate.8', import.meta.url), 'utf8'))?.[0] ?? ''
  const usageList = /`rejected:REASON` \(.*$/m.exec(usage)?.[0] ?? ''
  const reasons = ['bad-stratum', 'unsynchronized', 'root-distance', 'stale-reference', 'reference-in-future', 'no-reference-time', 'transmit-before-receive', 'unauthenticated', 'nts']
  for (const reason of reasons) {
    t.match(manList, `\\fB${reason.replace(/-/g, '\\-')}\\fR`, `man: ${reason}`)
    t.match(usageList, `\`${reason}\``, `docs/usage.md: ${reason}`)
  }
})

t.test("README is a user's entry point that fits a few screens (issue 23, part 7)", async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const lines = readme.split('\n').length
  t.ok(lines <= 160, `${lines} lines, at most 160`)
  for (const heading of ['## Quick start', '## Install', '## Use', '## Exit status']) t.ok(readme.includes(`\n${heading}\n`), heading)
})

t.test('the man page lists every exit status of src/exit-codes.ts', async (t) => {
  const { ExitCode } = await import('../../src/exit-codes.js')
  const section = manPage.slice(manPage.indexOf('.SH EXIT STATUS'), manPage.indexOf('.SH EXAMPLES'))
  for (const code of Object.values(ExitCode)) t.match(section, new RegExp(`^\\\\fB${code}\\\\fR$`, 'm'), `exit ${code}`)
})

const page = new URL('../../man/tsntpdate.8', import.meta.url).pathname
const lint = spawnSync('mandoc', ['-T', 'lint', '-W', 'style', page], { encoding: 'utf8' })
const noMandoc = lint.error !== undefined && process.env['CI'] === undefined
// What marked-man always writes and mandoc only remarks on: the date as "Month YYYY" (mandoc shows
// it as written, groff too), and a .P opening the first paragraph after a heading (both formatters
// skip it)
const converterArtefacts = [/: WARNING: cannot parse date, using it verbatim: TH [A-Z][a-z]+ \d{4}$/, /: WARNING: skipping paragraph macro: PP after S[HS]$/]

t.test("mandoc -T lint finds nothing to say but the converter's two artefacts", { skip: noMandoc && 'mandoc is not installed here (CI installs it)' }, async (t) => {
  t.error(lint.error, 'mandoc runs')
  const findings = `${lint.stdout}${lint.stderr}`.split('\n').filter((line) => line !== '' && !converterArtefacts.some((artefact) => artefact.test(line)))
  t.same(findings, [], 'no warnings, no style remarks')
  t.ok(lint.status !== null && lint.status <= 2, `no error (exit status ${lint.status})`)
})

t.test('man/tsntpdate.8 is what marked-man makes of man/tsntpdate.8.md, byte for byte', async (t) => {
  const built = spawnSync('sh', [new URL('../../man/build.sh', import.meta.url).pathname], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
  t.equal(built.status, 0, `man/build.sh runs: ${built.stderr}`)
  t.equal(built.stderr, '', 'and says nothing')
  const committed = readFileSync(page, 'utf8')
  t.ok(built.stdout.startsWith('.TH "TSNTPDATE" "8" '), 'a page')
  t.equal(committed, built.stdout, 'man/tsntpdate.8 is not what man/tsntpdate.8.md makes: edit man/tsntpdate.8.md (never the page), run `npm run man` and commit both')
})

t.test('the page describes the installed system: no cron/ path of the checkout, no npm run', async (t) => {
  const source = readFileSync(new URL('../../man/tsntpdate.8.md', import.meta.url), 'utf8')
  for (const [name, text] of [
    ['man/tsntpdate.8', manPage.replace(/\\f[BIRP]/g, '')],
    ['man/tsntpdate.8.md', source],
  ] as const) {
    t.notMatch(text, /\bcron\//, `${name}: no cron/ path`)
    t.notMatch(text, /\bnpm\s+run\b/, `${name}: no npm run`)
  }
})
