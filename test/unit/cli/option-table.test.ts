import t from 'tap'
import { helpText, OPTIONS, USAGE } from '../../../src/cli/option-table.js'

t.test('each option is described consistently', async (t) => {
  for (const o of OPTIONS) {
    if (o.short !== undefined) t.ok(o.flags.startsWith(`-${o.short}`), `${o.flags}: flags start with -${o.short}`)
    t.equal(/<[^>]+>/.test(o.flags), o.takesValue === true, `${o.flags}: takesValue matches the flags`)
  }
  const shorts = OPTIONS.flatMap((o) => (o.short === undefined ? [] : [o.short]))
  t.equal(new Set(shorts).size, shorts.length, 'no short letter is used twice')
})

t.test('the classic ntpdate letters are all there', async (t) => {
  const shorts = new Set(OPTIONS.map((o) => o.short))
  for (const letter of '46aBbdekopqstuvh') t.ok(shorts.has(letter), `-${letter}`)
  for (const letter of 'aek') t.ok(OPTIONS.find((o) => o.short === letter)?.notYet, `-${letter} is marked not yet`)
})

t.test('helpText lists every option and the usage line', async (t) => {
  const text = helpText('9.9.9')
  t.match(text, /^tsntpdate 9\.9\.9: /)
  t.ok(text.includes(USAGE), 'usage line')
  for (const o of OPTIONS) t.ok(text.includes(o.flags) && text.includes(o.description), o.flags)
  t.match(text, /-s\s+log to syslog \(facility daemon\) instead of the terminal\n/)
})
