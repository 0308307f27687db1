/**
 * Symmetric key files, ntpd's and chrony's, read line by line (`#` starts a comment). Pure.
 *
 * - ntpd/ntpsec: `KEYID TYPE KEY`, KEYID 1–65535, TYPE M/MD5, SHA1, SHA256, SHA384, SHA512,
 *   AES128CMAC (also AES, AES-128-CMAC); KEY is ASCII when 20 characters or fewer, else hex.
 * - chrony: `KEYID [TYPE] KEY`, KEYID up to 2³²−1, TYPE MD5 (the default), SHA1, SHA256, SHA384,
 *   SHA512, SHA3-224…SHA3-512, AES128, AES256; KEY `HEX:…` or `ASCII:…` (bare: ASCII).
 *
 * Each line is read by its own form: a `HEX:`/`ASCII:` key, a line without a type, a type only
 * chrony knows or a key id above 65535 is chrony's; any other line is ntpd's. So a bare 40-digit
 * key after `1 SHA1` is hex (ntpd's reading); chrony would read it as 40 ASCII characters, and a
 * chrony file says `HEX:` for a hex key anyway.
 */

export const ALGORITHMS = [
  'MD5',
  'SHA1',
  'SHA256',
  'SHA384',
  'SHA512',
  'SHA3-224',
  'SHA3-256',
  'SHA3-384',
  'SHA3-512',
  'AES128CMAC',
  'AES256CMAC',
] as const
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

/** Every key of the file, by id; or the first problem, as `FILE:LINE: why`. */
export function parseKeyFile(text: string, path: string): { keys: Map<number, SymmetricKey> } | { error: string } {
  const keys = new Map<number, SymmetricKey>()
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*$/, '').trim()
    if (line === '') continue
    const where = `${path}:${index + 1}`
    const parsed = parseLine(line.split(/\s+/))
    if ('error' in parsed) return { error: `${where}: ${parsed.error}` }
    if (keys.has(parsed.id)) return { error: `${where}: key ${parsed.id} is defined twice` }
    keys.set(parsed.id, parsed)
  }
  return { keys }
}

function parseLine(words: readonly string[]): SymmetricKey | { error: string } {
  if (words.length < 2 || words.length > 3) return { error: 'not of the form KEYID [TYPE] KEY' }
  const [idText = '', second = '', third] = words
  const id = /^\d{1,10}$/.test(idText) ? Number(idText) : NaN
  if (!(id >= 1 && id <= MAX_KEY_ID)) return { error: `key id '${idText}' is not a number from 1 to ${MAX_KEY_ID}` }
  const typeText = third === undefined ? undefined : second.toUpperCase()
  const keyText = third ?? second
  const chronyForm =
    typeText === undefined || /^(HEX|ASCII):/i.test(keyText) || id > MAX_NTPD_KEY_ID || (!Object.hasOwn(NTPD_TYPES, typeText) && Object.hasOwn(CHRONY_TYPES, typeText))
  const types = chronyForm ? CHRONY_TYPES : NTPD_TYPES
  const algorithm = typeText === undefined ? 'MD5' : Object.hasOwn(types, typeText) ? types[typeText] : undefined
  if (algorithm === undefined) return { error: `key type '${second}' is not one of ${Object.keys(types).join(', ')}` }
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
  if (/^HEX:/i.test(text)) return hexKey(text.slice(4))
  return asciiKey(/^ASCII:/i.test(text) ? text.slice(6) : text)
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
