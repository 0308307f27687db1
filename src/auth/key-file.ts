/**
 * Symmetric key files, ntpd's and chrony's, read line by line. Pure.
 *
 * - ntpd/ntpsec: `KEYID TYPE KEY`, KEYID 1–65535, TYPE M/MD5, SHA1, SHA256, SHA384, SHA512,
 *   AES128CMAC (also AES, AES-128-CMAC); KEY is ASCII when 20 characters or fewer, else hex.
 * - chrony: `KEYID [TYPE] KEY`, KEYID up to 2³²−1, TYPE MD5 (the default), SHA1, SHA256, SHA384,
 *   SHA512, SHA3-224…SHA3-512, AES128, AES256; KEY `HEX:…` or `ASCII:…` (bare: ASCII).
 *
 * Words are split at white space as chrony's CPS_NormalizeLine does (C's isspace: CR too), and a
 * line whose first word starts with `#`, `;`, `%` or `!` is a comment (ntpd skips such a line too:
 * its key id reads as 0). Each other line is read by its own form: split so, a line of two words,
 * or of three with a `HEX:`/`ASCII:` key, a type only chrony knows or a key id above 65535, is
 * chrony's, and a `#` in it is part of its word, as in chrony. Any other line is ntpd's, where `#`
 * anywhere starts a comment (authreadkeys' nexttok). So a bare 40-digit key after `1 SHA1` is hex
 * and `1 SHA1 abc#def` has the key `abc` (ntpd's readings; chrony would read 40 ASCII characters
 * and `abc#def`, and a chrony file says `HEX:`/`ASCII:` anyway). A chrony line with a comment after
 * it is refused, as chrony refuses it, not read as ntpd's.
 *
 * An error names the field, never a word of the line: any of them may be (part of) a key.
 */

export const ALGORITHMS = ['MD5', 'SHA1', 'SHA256', 'SHA384', 'SHA512', 'SHA3-224', 'SHA3-256', 'SHA3-384', 'SHA3-512', 'AES128CMAC', 'AES256CMAC'] as const
export type Algorithm = (typeof ALGORITHMS)[number]

export interface SymmetricKey {
  id: number
  algorithm: Algorithm
  key: Uint8Array
}

const NTPD_TYPES: Readonly<Record<string, Algorithm>> = {
  M: 'MD5',
  MD5: 'MD5',
  SHA1: 'SHA1',
  SHA256: 'SHA256',
  SHA384: 'SHA384',
  SHA512: 'SHA512',
  AES128CMAC: 'AES128CMAC',
  AES: 'AES128CMAC',
  'AES-128-CMAC': 'AES128CMAC',
}
const CHRONY_TYPES: Readonly<Record<string, Algorithm>> = {
  MD5: 'MD5',
  SHA1: 'SHA1',
  SHA256: 'SHA256',
  SHA384: 'SHA384',
  SHA512: 'SHA512',
  'SHA3-224': 'SHA3-224',
  'SHA3-256': 'SHA3-256',
  'SHA3-384': 'SHA3-384',
  'SHA3-512': 'SHA3-512',
  AES128: 'AES128CMAC',
  AES256: 'AES256CMAC',
}
const CMAC_KEY_BYTES: Partial<Record<Algorithm, number>> = { AES128CMAC: 16, AES256CMAC: 32 }
const MAX_NTPD_KEY_ID = 65_535
const MAX_KEY_ID = 2 ** 32 - 1
const NTPD_ASCII_MAX = 20
/** chrony's prefixes, in capitals only (strncmp): `hex:00ff` is 8 ASCII characters to chrony and ntpd alike */
const CHRONY_KEY = /^(HEX|ASCII):/
const COMMENT_START = '#;%!'
const SHAPE = 'not of the form KEYID [TYPE] KEY'

/**
 * Every key of the file, by id, and what was read one way where the two daemons differ; or the
 * first problem, as `FILE:LINE: why` (the why never quotes the line: it may hold a key).
 */
export function parseKeyFile(text: string, path: string): { keys: Map<number, SymmetricKey>; warnings: string[] } | { error: string } {
  const keys = new Map<number, SymmetricKey>()
  const lineOf = new Map<number, number>()
  const warnings: string[] = []
  for (const [index, raw] of text.split('\n').entries()) {
    const parsed = parseLine(raw)
    if (parsed === undefined) continue
    const where = `${path}:${index + 1}`
    if ('error' in parsed) return { error: `${where}: ${parsed.error}` }
    if (parsed.cutAtHash) warnings.push(`${where}: a # inside a word ends the key there, as ntpd reads it (chrony would keep it: write such a key as ASCII:…)`)
    const earlier = lineOf.get(parsed.id)
    if (earlier !== undefined) return { error: `${where}: the key id is already defined on line ${earlier}` }
    keys.set(parsed.id, parsed.key)
    lineOf.set(parsed.id, index + 1)
  }
  return { keys, warnings }
}

/** A key (`cutAtHash`: ntpd's # cut a word short), or nothing (a blank line, a comment), or why not. */
function parseLine(raw: string): { id: number; key: SymmetricKey; cutAtHash: boolean } | { error: string } | undefined {
  const words = wordsOf(raw)
  const first = words[0]
  if (first === undefined || COMMENT_START.includes(first.charAt(0))) return undefined
  const keyed = (parsed: SymmetricKey | { error: string }, cutAtHash = false) => ('error' in parsed ? parsed : { id: parsed.id, key: parsed, cutAtHash })
  if (isChronyForm(words)) return keyed(parseWords(words, true))
  const cut = raw.indexOf('#')
  const ntpdWords = cut < 0 ? words : wordsOf(raw.slice(0, cut))
  // a chrony line with a comment after it: chrony refuses it (too many words), so do we
  if (isChronyForm(ntpdWords)) return { error: `${SHAPE} (in chrony's format # starts a comment only at the start of a line)` }
  if (ntpdWords.length !== 3) return { error: SHAPE }
  return keyed(parseWords(ntpdWords, false), cut > 0 && !/[ \t\n\v\f\r]/.test(raw.charAt(cut - 1)))
}

/** chrony's words: split at C's isspace(), so CR is white space and CRLF ends need nothing more */
function wordsOf(line: string): string[] {
  return line.split(/[ \t\n\v\f\r]+/).filter((word) => word !== '')
}

function isChronyForm(words: readonly string[]): boolean {
  if (words.length === 2) return true
  const [idText = '', typeText = '', keyText = ''] = words
  const type = typeText.toUpperCase()
  return words.length === 3 && (CHRONY_KEY.test(keyText) || keyIdOf(idText) > MAX_NTPD_KEY_ID || (!Object.hasOwn(NTPD_TYPES, type) && Object.hasOwn(CHRONY_TYPES, type)))
}

function keyIdOf(text: string): number {
  return /^\d{1,10}$/.test(text) ? Number(text) : NaN
}

function parseWords(words: readonly string[], chronyForm: boolean): SymmetricKey | { error: string } {
  const [idText = '', second = '', third] = words
  const id = keyIdOf(idText)
  if (!(id >= 1 && id <= MAX_KEY_ID)) return { error: `the key id is not a number from 1 to ${MAX_KEY_ID}` }
  const typeText = third === undefined ? undefined : second.toUpperCase()
  const keyText = third ?? second
  const types = chronyForm ? CHRONY_TYPES : NTPD_TYPES
  const algorithm = typeText === undefined ? 'MD5' : Object.hasOwn(types, typeText) ? types[typeText] : undefined
  if (algorithm === undefined) return { error: `the key type is not one of ${Object.keys(types).join(', ')}` }
  const key = chronyForm ? chronyKey(keyText) : ntpdKey(keyText)
  if ('error' in key) return key
  if (key.bytes.length === 0) return { error: 'the key is empty' }
  const cmacBytes = CMAC_KEY_BYTES[algorithm]
  if (cmacBytes !== undefined && key.bytes.length !== cmacBytes) {
    return { error: `an ${algorithm} key must be ${cmacBytes} bytes, not ${key.bytes.length}` }
  }
  return { id, algorithm, key: key.bytes }
}

function chronyKey(text: string): { bytes: Uint8Array } | { error: string } {
  if (text.startsWith('HEX:')) return hexKey(text.slice(4))
  return asciiKey(text.startsWith('ASCII:') ? text.slice(6) : text)
}

function ntpdKey(text: string): { bytes: Uint8Array } | { error: string } {
  return text.length <= NTPD_ASCII_MAX ? asciiKey(text) : hexKey(text)
}

function hexKey(text: string): { bytes: Uint8Array } | { error: string } {
  if (!/^([0-9a-f]{2})+$/i.test(text)) return { error: 'the key is not an even number of hex digits' }
  return { bytes: Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16)) }
}

function asciiKey(text: string): { bytes: Uint8Array } | { error: string } {
  if (!/^[\x21-\x7e]*$/.test(text)) return { error: 'an ASCII key may hold only printable ASCII characters' }
  return { bytes: Uint8Array.from(text, (c) => c.charCodeAt(0)) }
}
