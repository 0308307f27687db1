import t from 'tap'
import { parseDefaultsFile } from '../../../src/config/defaults-file.js'

const valuesOf = (text: string) => {
  const r = parseDefaultsFile(text, '/etc/default/tsntpdate')
  return 'error' in r ? r : Object.fromEntries(r.values)
}

t.test('the subset: blank lines, comments, NAME="…", NAME=\'…\', NAME=word', async (t) => {
  t.same(valuesOf(''), {})
  t.same(valuesOf('# a comment\n\n  \t\n'), {})
  t.same(valuesOf('NTPSERVERS="a.example b.example"\n'), { NTPSERVERS: 'a.example b.example' })
  t.same(valuesOf("NTPSERVERS='a b'\n"), { NTPSERVERS: 'a b' })
  t.same(valuesOf('NTPSERVERS=a.example # the one\n'), { NTPSERVERS: 'a.example' })
  t.same(valuesOf('  export NTPSERVERS="x"\n'), { NTPSERVERS: 'x' })
  t.same(valuesOf('NTPSERVERS="a"\nNTPSERVERS="b c"\n'), { NTPSERVERS: 'b c' }, 'the last assignment wins, as in sh')
  t.same(valuesOf('NTPSERVERS=\nSPLAY=""\n'), { NTPSERVERS: '', SPLAY: '' })
  t.same(valuesOf("NTPOPTIONS='-p 2 $x \\\\ #'"), { NTPOPTIONS: '-p 2 $x \\\\ #' }, 'anything but a quote inside single quotes')
  t.same(valuesOf('NTPSERVERS="[::1]:123 # not a comment"'), { NTPSERVERS: '[::1]:123 # not a comment' })
  t.same(valuesOf('NTPSERVERS=[::1]:123,a@b%c+d=e'), { NTPSERVERS: '[::1]:123,a@b%c+d=e' })
})

t.test('everything else is refused by FILE:LINE (issue 9, finding 6)', async (t) => {
  const refused: [string, RegExp][] = [
    ['NTPSERVERS="a b\nc"\n', /:1: not of the form/], // an unterminated quote (or one spanning lines)
    ['A=x; A=y\n', /:1: /],
    ['NTPSERVERS=a#b\n', /:1: /], // sh keeps a # inside a word
    ['NTPSERVERS="a"#b\n', /:1: /],
    ['NTPSERVERS="a"b\n', /:1: /],
    ['if true; then\nNTPSERVERS=x\nfi\n', /:1: /],
    ['\ufeffNTPSERVERS=x\n', /:1: starts with a byte-order mark/],
    ['NTPSERVERS=x\r\nSPLAY=0\r\n', /:1: a carriage return/],
    ['# ok\nNTPSERVERS="$HOST"\n', /:2: /],
    ['NTPSERVERS="a \\"b\\""\n', /:1: /],
    ['NTPSERVERS=`hostname`\n', /:1: /],
    ['NTPSERVERS=~/x\n', /:1: /],
    ['NTPSERVERS=a b\n', /:1: /],
    ['export\n', /:1: /],
    ['1A=x\n', /:1: /],
    ['NTPSERVERS = x\n', /:1: /],
  ]
  for (const [text, message] of refused) {
    const r = parseDefaultsFile(text, '/etc/default/tsntpdate')
    t.ok('error' in r, `${JSON.stringify(text)} is refused`)
    if ('error' in r) t.match(r.error, new RegExp(`^/etc/default/tsntpdate${message.source}`), r.error)
  }
})
