/** src/auth/key-file.ts: ntpd's and chrony's key files, each line by its own form. */
import t from 'tap'
import { parseKeyFile } from '../../../src/auth/key-file.js'

const keysOf = (text: string) => {
  const parsed = parseKeyFile(text, '/etc/k')
  if ('error' in parsed) throw new Error(parsed.error)
  return parsed.keys
}
const errorOf = (text: string) => {
  const parsed = parseKeyFile(text, '/etc/k')
  return 'error' in parsed ? parsed.error : undefined
}
const hexOf = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('hex')

t.test("ntpd's format: KEYID TYPE KEY, ASCII up to 20 characters, else hex", async (t) => {
  const keys = keysOf(
    [
      '# ntp.keys',
      '1 M secret',
      '2 MD5 abcdefghijklmnopqrst   # 20 characters: ASCII',
      '3 SHA1 0123456789abcdef0123456789abcdef01234567',
      '4 AES128CMAC 2b7e151628aed2a6abf7158809cf4f3c',
      '5 AES 2b7e151628aed2a6abf7158809cf4f3c',
      '6 AES-128-CMAC 2b7e151628aed2a6abf7158809cf4f3c',
      '7 sha256 passw0rd',
      '',
    ].join('\n'),
  )
  t.same([...keys.keys()], [1, 2, 3, 4, 5, 6, 7])
  t.match(keys.get(1), { algorithm: 'MD5' })
  t.equal(Buffer.from(keys.get(1)?.key ?? []).toString(), 'secret')
  t.equal(Buffer.from(keys.get(2)?.key ?? []).toString(), 'abcdefghijklmnopqrst')
  t.match(keys.get(3), { algorithm: 'SHA1' })
  t.equal(hexOf(keys.get(3)?.key), '0123456789abcdef0123456789abcdef01234567', 'a 40-digit key in ntpd form is hex')
  for (const id of [4, 5, 6]) t.match(keys.get(id), { algorithm: 'AES128CMAC' }, `${id}`)
  t.match(keys.get(7), { algorithm: 'SHA256' }, 'types in any case')
})

t.test("chrony's format: KEYID [TYPE] KEY with HEX: or ASCII: (bare: ASCII), MD5 by default", async (t) => {
  const keys = keysOf(
    [
      '1 MD5 HEX:2B7E151628AED2A6ABF7158809CF4F3C',
      '2 ASCII:secret',
      '3 plainsecret',
      '4 AES128 HEX:2B7E151628AED2A6ABF7158809CF4F3C',
      '5 AES256 HEX:603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4',
      '6 SHA3-256 ASCII:x',
      '4294967295 SHA512 ASCII:big',
      '8 SHA1 ASCII:0123456789abcdef0123456789abcdef01234567',
    ].join('\n'),
  )
  t.match(keys.get(1), { algorithm: 'MD5' })
  t.equal(hexOf(keys.get(1)?.key), '2b7e151628aed2a6abf7158809cf4f3c')
  t.match(keys.get(2), { algorithm: 'MD5' })
  t.equal(Buffer.from(keys.get(3)?.key ?? []).toString(), 'plainsecret')
  t.match(keys.get(4), { algorithm: 'AES128CMAC' })
  t.match(keys.get(5), { algorithm: 'AES256CMAC' })
  t.match(keys.get(6), { algorithm: 'SHA3-256' })
  t.match(keys.get(4294967295), { algorithm: 'SHA512' }, 'key ids up to 2^32 − 1')
  t.equal(keys.get(8)?.key.length, 40, 'ASCII: 40 characters stay 40 characters')
})

t.test('a bad line is one error naming FILE:LINE', async (t) => {
  const cases: [string, RegExp][] = [
    ['1', /^\/etc\/k:1: not of the form KEYID \[TYPE\] KEY$/],
    ['# ok\n1 MD5 a b', /^\/etc\/k:2: not of the form/],
    ['0 MD5 x', /^\/etc\/k:1: the key id is not a number from 1 to 4294967295$/],
    ['x MD5 y', /the key id is not a number/],
    ['1 RC4 key', /^\/etc\/k:1: the key type is not one of M, MD5, SHA1/],
    ['1 SHA1 0123456789abcdef0123456789abcdef0123456z', /^\/etc\/k:1: the key is not an even number of hex digits$/],
    ['1 MD5 HEX:abc', /hex digits/],
    ['1 AES128CMAC 0011223344556677889900112233445566', /an AES128CMAC key must be 16 bytes, not 17/],
    ['1 AES128 ASCII:short', /an AES128CMAC key must be 16 bytes, not 5/],
    ['1 MD5 ASCII:', /the key is empty/],
    ['1 MD5 x\n1 SHA1 y', /^\/etc\/k:2: the key id is already defined on line 1$/],
    ['1 MD5 ASCII:caf\u00e9', /printable ASCII/],
    ['1 constructor x', /the key type is not one of/],
  ]
  for (const [text, pattern] of cases) t.match(errorOf(text), pattern, JSON.stringify(text))
})

t.test('errors name the file, the line and the field, never a word of the line (issue 22, defect 6)', async (t) => {
  const NTPD_TYPES = 'M, MD5, SHA1, SHA256, SHA384, SHA512, AES128CMAC, AES, AES-128-CMAC'
  // every word here could be (part of) a key: none may reach cron's mail or the journal
  const cases: [string, string][] = [
    ['1 ASCII:correct horse', `/etc/k:1: the key type is not one of ${NTPD_TYPES}`],
    ['1 MD5 ASCII:correct horse', '/etc/k:1: not of the form KEYID [TYPE] KEY'],
    ['1 correct horse', `/etc/k:1: the key type is not one of ${NTPD_TYPES}`],
    ['1 Correct HEX:00ff', '/etc/k:1: the key type is not one of MD5, SHA1, SHA256, SHA384, SHA512, SHA3-224, SHA3-256, SHA3-384, SHA3-512, AES128, AES256'],
    ['Correct MD5 horse', '/etc/k:1: the key id is not a number from 1 to 4294967295'],
    ['98765432101 MD5 horse', '/etc/k:1: the key id is not a number from 1 to 4294967295'],
    ['1 SHA1 correcthorsebatterystaple!correct', '/etc/k:1: the key is not an even number of hex digits'],
    ['1 MD5 HEX:correct', '/etc/k:1: the key is not an even number of hex digits'],
    ['1 MD5 ASCII:corr\u00e9ct', '/etc/k:1: an ASCII key may hold only printable ASCII characters'],
    ['1 AES128 ASCII:correct', '/etc/k:1: an AES128CMAC key must be 16 bytes, not 7'],
    ['4711 MD5 correct\n4711 MD5 horse', '/etc/k:2: the key id is already defined on line 1'],
  ]
  for (const [text, expected] of cases) {
    const error = errorOf(text)
    t.equal(error, expected, JSON.stringify(text))
    for (const word of text.split(/\s+/)) {
      if (word.length >= 4 && !/^(MD5|SHA1|AES128)$/.test(word)) t.notOk(error?.includes(word), `${JSON.stringify(text)}: '${word}' is not quoted`)
    }
    t.notMatch(error ?? '', /'/, 'nothing is quoted')
  }
})

t.test("chrony's lines as chrony reads them: comments, CR, # in a key (issue 22, defect 7)", async (t) => {
  const keys = keysOf(
    [
      '# chrony.keys',
      '; a comment',
      '% a comment',
      '! a comment',
      '  ; indented',
      '1 MD5 ASCII:ab#cd',
      '2 ab#cd',
      '3 SHA256 HEX:A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90',
      '4 ASCII:#start',
      '',
    ].join('\r\n'),
  )
  t.same([...keys.keys()], [1, 2, 3, 4], 'CRLF ends and ;, %, ! comments')
  t.equal(Buffer.from(keys.get(1)?.key ?? []).toString(), 'ab#cd', 'a # in an ASCII: key is part of it')
  t.equal(Buffer.from(keys.get(2)?.key ?? []).toString(), 'ab#cd', 'and in a bare one')
  t.equal(Buffer.from(keys.get(4)?.key ?? []).toString(), '#start')
  t.equal(keys.get(3)?.key.length, 32)
  const cased = keysOf('1 MD5 hex:00ff\n2 ascii:x\n3 sha256 HEX:00ff\n')
  t.equal(Buffer.from(cased.get(1)?.key ?? []).toString(), 'hex:00ff', 'HEX: and ASCII: only in capitals, as chrony (and ntpd) read the others')
  t.equal(Buffer.from(cased.get(2)?.key ?? []).toString(), 'ascii:x')
  t.same([...(cased.get(3)?.key ?? [])], [0, 0xff], 'types in any case')
  t.match(errorOf('1 ASCII:secret # note'), /^\/etc\/k:1: not of the form KEYID \[TYPE\] KEY/, 'chrony reads # after a key as a word: refused, as chrony does')
  t.equal(errorOf('1 SHA1 HEX:00ff #note'), "/etc/k:1: not of the form KEYID [TYPE] KEY (in chrony's format # starts a comment only at the start of a line)", "not read as ntpd's ASCII key HEX:00ff")
})

t.test("ntpd's lines keep ntpd's reading: # anywhere starts a comment", async (t) => {
  const keys = keysOf(['1 M secret# note', '2 SHA1 abc#def', '3 MD5 passw0rd   # note', '4 AES128CMAC 2b7e151628aed2a6abf7158809cf4f3c\r', ''].join('\n'))
  t.equal(Buffer.from(keys.get(1)?.key ?? []).toString(), 'secret')
  t.equal(Buffer.from(keys.get(2)?.key ?? []).toString(), 'abc', "a line either program could read keeps the documented rule: ntpd's")
  const parsed = parseKeyFile(['1 M secret# note', '2 SHA1 abc#def', '3 MD5 passw0rd   # note'].join('\n'), '/etc/k')
  t.same(
    'warnings' in parsed && parsed.warnings,
    [
      '/etc/k:1: a # inside a word ends the key there, as ntpd reads it (chrony would keep it: write such a key as ASCII:…)',
      '/etc/k:2: a # inside a word ends the key there, as ntpd reads it (chrony would keep it: write such a key as ASCII:…)',
    ],
    'a # inside a word, where ntpd and chrony read different keys, is said (not silently cut); one after a blank is a plain comment',
  )
  t.equal(Buffer.from(keys.get(3)?.key ?? []).toString(), 'passw0rd')
  t.equal(keys.get(4)?.key.length, 16, 'CR is white space')
})
