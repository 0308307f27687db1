import t from 'tap'
import { helpText, OPTIONS, optionFlags, USAGE } from '../../../src/cli/option-table.js'

t.test('each option is described consistently', async (t) => {
  for (const o of OPTIONS) {
    t.ok(o.short !== undefined || o.long !== undefined, `${optionFlags(o)}: has a short or a long form`)
    if (o.short !== undefined) t.match(o.short, /^[\w]$/, `${optionFlags(o)}: one letter`)
    if (o.long !== undefined) t.match(o.long, /^[a-z][a-z0-9-]+$/, `${optionFlags(o)}: a long name`)
  }
  const shorts = OPTIONS.flatMap((o) => (o.short === undefined ? [] : [o.short]))
  t.equal(new Set(shorts).size, shorts.length, 'no short letter is used twice')
})

t.test('the classic ntpdate letters are all there', async (t) => {
  const shorts = new Set(OPTIONS.map((o) => o.short))
  for (const letter of '46aBbdekopqstuvh') t.ok(shorts.has(letter), `-${letter}`)
})

t.test('helpText lists every option and the usage line', async (t) => {
  const text = helpText('9.9.9')
  t.match(text, /^tsntpdate 9\.9\.9: /)
  t.ok(text.includes(USAGE), 'usage line')
  for (const o of OPTIONS) t.ok(text.includes(optionFlags(o)) && text.includes(o.description), optionFlags(o))
  t.match(text, /-s\s+log to syslog \(facility daemon\) instead of the terminal\n/)
})
