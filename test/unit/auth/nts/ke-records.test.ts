/** auth/nts/ke-records.ts: the NTS-KE request, and every way a response is accepted or refused (RFC 8915 §4). */
import t from 'tap'
import { concat, encodeKeRecord, encodeKeRequest, KeResponseReader, parseKeResponse, RecordType, type KeParse } from '../../../../src/auth/nts/ke-records.js'
import { keResponse } from '../../../helpers/nts-ke-server.js'

const u16 = (v: number) => new Uint8Array([v >> 8, v & 0xff])
const cookie = (fill: number, length = 64) => new Uint8Array(length).fill(fill)
const failureOf = (bytes: Uint8Array) => {
  const parsed = parseKeResponse(bytes)
  return 'failure' in parsed ? parsed.failure : 'complete' in parsed ? 'complete' : 'incomplete'
}

t.test('the request: Next Protocol NTPv4, AEAD 15, End of Message, all critical', async (t) => {
  t.equal(Buffer.from(encodeKeRequest()).toString('hex'), '80010002' + '0000' + '80040002' + '000f' + '80000000')
})

t.test('a full response: cookies, the NTP server and port', async (t) => {
  const bytes = keResponse({ cookies: [cookie(1), cookie(2)], ntpServer: 'ntp.example', ntpPort: 12345 })
  const parsed = parseKeResponse(bytes)
  if (!('complete' in parsed)) return t.fail(JSON.stringify(parsed))
  t.same(parsed.complete, { aead: 15, cookies: [cookie(1), cookie(2)], ntpServer: 'ntp.example', ntpPort: 12345 })
})

t.test('incomplete until End of Message, whichever byte the stream stops at', async (t) => {
  const bytes = keResponse({ cookies: [cookie(1)] })
  for (let n = 0; n < bytes.length; n++) t.equal(failureOf(bytes.subarray(0, n)), 'incomplete', `${n} bytes`)
  t.equal(failureOf(bytes), 'complete')
})

t.test('refused: error, unknown critical record, no NTPv4, another AEAD, no cookies, data after the end', async (t) => {
  const ok = { cookies: [cookie(1)] }
  t.match(failureOf(concat([encodeKeRecord(RecordType.Error, u16(0), true), encodeKeRecord(0, new Uint8Array(0), true)])), /error 0 \(unrecognized critical record\)/)
  t.match(failureOf(keResponse({ ...ok, extra: [encodeKeRecord(99, new Uint8Array(2), true)] })), /unknown critical record \(type 99\)/)
  t.equal(failureOf(keResponse({ ...ok, extra: [encodeKeRecord(99, new Uint8Array(2), false)] })), 'complete', 'an unknown record that is not critical is skipped')
  t.match(failureOf(concat([encodeKeRecord(RecordType.AeadAlgorithm, u16(15)), encodeKeRecord(RecordType.NewCookie, cookie(1)), encodeKeRecord(0, new Uint8Array(0), true)])), /does not offer NTPv4/)
  t.match(failureOf(keResponse({ ...ok, aead: 30 })), /no common AEAD/)
  t.match(failureOf(keResponse({ cookies: [] })), /no cookies/)
  t.match(failureOf(concat([keResponse(ok), new Uint8Array(4)])), /data after End of Message/)
  t.match(failureOf(keResponse({ ...ok, ntpServer: 'bad host; rm' })), /no host name or address/)
  t.match(failureOf(new Uint8Array(70_000)), /longer than/)
  t.match(failureOf(keResponse({ ...ok, extra: [encodeKeRecord(RecordType.Warning, u16(7))] })), /warning 7 \(unrecognized: treated as an error\)/, 'RFC 8915 §4.1.4: no warning code is known')
})

t.test('cookies: at most 8 kept, empty and oversized ones dropped', async (t) => {
  const parsed = parseKeResponse(keResponse({ cookies: [new Uint8Array(0), cookie(9, 300), ...Array.from({ length: 10 }, (_, i) => cookie(i))] }))
  if (!('complete' in parsed)) return t.fail()
  t.same(
    parsed.complete.cookies,
    Array.from({ length: 8 }, (_, i) => cookie(i)),
  )
})

t.test('read as it arrives: the same answer for any split of the response', async (t) => {
  const bytes = keResponse({ cookies: [cookie(1), cookie(2, 100)], ntpServer: 'ntp.example', ntpPort: 4123, extra: [encodeKeRecord(99, new Uint8Array(300))] })
  const whole = parseKeResponse(bytes)
  for (const size of [1, 2, 3, 4, 5, 7, 64, 299, 1000]) {
    const reader = new KeResponseReader()
    let parsed: KeParse = { incomplete: true }
    for (let at = 0; at < bytes.length; at += size) {
      t.ok('incomplete' in parsed, `${size}-byte pieces: nothing final before the end`)
      parsed = reader.push(bytes.subarray(at, at + size))
    }
    t.same(parsed, whole, `${size}-byte pieces`)
  }
  const failing = new KeResponseReader()
  t.same(failing.push(encodeKeRecord(RecordType.Error, u16(2), true)), { failure: 'NTS-KE server sent error 2 (internal server error)' })
  const tooLong = new KeResponseReader()
  for (let i = 0; i < 16; i++) t.same(tooLong.push(encodeKeRecord(99, new Uint8Array(4092))), { incomplete: true })
  t.match(tooLong.push(new Uint8Array(1)), { failure: /longer than 65536 bytes/ }, 'a response past 64 KiB is refused, however it is split')
  t.match(new KeResponseReader().push(concat([keResponse({ cookies: [cookie(1)] }), new Uint8Array(4)])), { failure: /data after End of Message/ })
})

t.test('read as it arrives, one byte at a time: linear in the response (a hostile server cannot burn the CPU)', async (t) => {
  const base = keResponse({ cookies: [cookie(1)] })
  const filler = Array.from({ length: Math.floor((65_536 - base.length) / 4) }, () => encodeKeRecord(0x1234, new Uint8Array(0)))
  const bytes = keResponse({ cookies: [cookie(1)], extra: filler })
  const reader = new KeResponseReader()
  const started = process.hrtime.bigint()
  let parsed: KeParse = { incomplete: true }
  for (let at = 0; at < bytes.length; at++) parsed = reader.push(bytes.subarray(at, at + 1))
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  t.ok('complete' in parsed, `${bytes.length} bytes`)
  t.ok(ms < 250, `${bytes.length} bytes, one at a time: ${ms.toFixed(1)} ms`)
  const big = keResponse({ cookies: [cookie(1)], extra: [encodeKeRecord(0x1234, new Uint8Array(65_536 - base.length - 4))] })
  const oneRecord = new KeResponseReader()
  const bigStarted = process.hrtime.bigint()
  for (let at = 0; at < big.length; at++) parsed = oneRecord.push(big.subarray(at, at + 1))
  const bigMs = Number(process.hrtime.bigint() - bigStarted) / 1e6
  t.ok('complete' in parsed, `one record of ${big.length - base.length - 4} bytes`)
  t.ok(bigMs < 250, `one big record, one byte at a time: ${bigMs.toFixed(1)} ms`)
})
