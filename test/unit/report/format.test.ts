import t from 'tap'
import { failureLine, formatDelay, formatOffset, linePrefix, listSome, MAX_LINE_LENGTH, oneLine, resultLine, serverLine } from '../../../src/report/format.js'
import { selectServer } from '../../../src/select/select.js'
import { observed, sampleOf, server } from '../../helpers/unit.js'

t.test('linePrefix: classic ntpdate terminal prefix, local time', async (t) => {
  t.equal(linePrefix(new Date(2026, 10, 25, 2, 33, 22), 834), '25 Nov 02:33:22 tsntpdate[834]: ')
  t.equal(linePrefix(new Date(2026, 10, 5, 2, 3, 4), 834), ' 5 Nov 02:03:04 tsntpdate[834]: ', 'single-digit day padded with a space')
  t.equal(linePrefix(new Date(2027, 0, 1, 0, 0, 0), 1), ' 1 Jan 00:00:00 tsntpdate[1]: ')
  t.equal(linePrefix(new Date(2026, 11, 31, 23, 59, 59), 4_194_304), '31 Dec 23:59:59 tsntpdate[4194304]: ')
})

t.test('formatOffset: always signed, six decimals', async (t) => {
  t.equal(formatOffset(0.000008), '+0.000008')
  t.equal(formatOffset(-1.25), '-1.250000')
  t.equal(formatOffset(2.5), '+2.500000')
  t.equal(formatOffset(-0.000008), '-0.000008')
  t.equal(formatOffset(1234.5678901), '+1234.567890')
  t.equal(formatOffset(0), '+0.000000')
  t.equal(formatOffset(-0), '+0.000000', 'negative zero')
  t.equal(formatOffset(-0.0000001), '+0.000000', 'rounds to zero: no minus sign')
})

t.test('formatDelay: five decimals', async (t) => {
  t.equal(formatDelay(0.00012), '0.00012')
  t.equal(formatDelay(0.123456), '0.12346')
  t.equal(formatDelay(0), '0.00000')
  t.equal(formatDelay(1.5), '1.50000')
})

t.test('serverLine', async (t) => {
  t.equal(serverLine('127.0.0.2', 2, 0.000008, 0.00012), 'server 127.0.0.2, stratum 2, offset +0.000008, delay 0.00012')
  t.equal(serverLine('[::1]:11123', 1, -1.25, 0.025743), 'server [::1]:11123, stratum 1, offset -1.250000, delay 0.02574')
})

t.test('resultLine', async (t) => {
  t.equal(resultLine({ method: 'slew', server: server('127.0.0.2'), offset: 0.000008 }), 'adjust time server 127.0.0.2 offset +0.000008 sec')
  t.equal(resultLine({ method: 'step', server: server('::1', 11123), offset: -1.25 }), 'step time server [::1]:11123 offset -1.250000 sec')
})

t.test('failureLine: one line for every outcome that fails', async (t) => {
  const on = { server: server('10.0.0.1'), method: 'step' as const }
  t.equal(failureLine({ kind: 'no-server', keyId: undefined }), 'no server suitable for synchronization found')
  t.match(
    failureLine({ kind: 'no-server', keyId: 2 }),
    /^no server suitable for synchronization found \(-a 2: only replies that verify with key 2 count, and a server without that key does not answer\)$/,
  )
  t.equal(failureLine({ kind: 'check-failed', limit: 0.5, offset: 2.500123, ...on }), 'offset +2.500123 s exceeds --max-offset 0.5 s by 2.000123 s')
  t.equal(failureLine({ kind: 'check-failed', limit: 1, offset: -1.25, ...on }), 'offset -1.250000 s exceeds --max-offset 1 s by 0.250000 s')
  t.equal(failureLine({ kind: 'beyond-max-step', limit: 1, offset: -1.5, ...on }), 'refusing to step the clock by -1.500000 s, more than --max-step 1 s; clock left untouched')
  const voters = selectServer([observed(server('10.0.0.1'), [sampleOf({ delay: 0.001, offset: 0 })]), observed(server('10.0.0.2'), [sampleOf({ delay: 0.001, offset: 2 })])], 0n)
  t.match(
    failureLine({ kind: 'no-majority', voters: voters.kind === 'no-majority' ? voters.voters : [] }),
    /^no majority agrees among 2 servers \(10\.0\.0\.1 \+0\.000000 ±0\.005000, 10\.0\.0\.2 \+2\.000000 ±0\.005000\); they disagree by 2\.000000 s, clock left untouched$/,
  )
})

t.test('oneLine: control characters escaped, printable text untouched', async (t) => {
  t.equal(oneLine('plain text, ±0.1 µs'), 'plain text, ±0.1 µs')
  t.equal(oneLine('\x1b[2J\r\n\t\x00\x7f\x85'), '\\x1b[2J\\x0d\\x0a\\x09\\x00\\x7f\\x85')
  t.equal(oneLine('a\u2028b\u2029c'), 'a\\u2028b\\u2029c')
  t.equal(oneLine('y'.repeat(5000)).length, MAX_LINE_LENGTH)
})

t.test('listSome: a few items in full, many summarised', async (t) => {
  t.equal(listSome(['a', 'b']), 'a, b')
  t.equal(listSome(Array.from({ length: 10_000 }, (_, i) => `h${i}`)), 'h0, h1, h2, h3, h4, … (10000 in all)')
})
