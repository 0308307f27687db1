import t from 'tap'
import { diffSeconds, diffUnits, NTP_TO_UNIX_SECONDS, ntpFromUnixNanos, secondsFromShort, secondsFromUnits, shortFromSeconds, unixNanosFromNtp } from '../../../src/ntp/timestamp.js'
import { at, ERA_1_START_UNIX_SECONDS, NANOS_PER_SECOND } from '../../helpers/unit.js'

const UNIT = 1n << 32n // one second in Q32.32

t.test('the era boundary constant is 2036-02-07T06:28:16Z', async (t) => {
  t.equal(BigInt(Date.UTC(2036, 1, 7, 6, 28, 16) / 1000), ERA_1_START_UNIX_SECONDS)
  t.equal(ERA_1_START_UNIX_SECONDS + NTP_TO_UNIX_SECONDS, 1n << 32n)
})

t.test('ntpFromUnixNanos', async (t) => {
  t.equal(ntpFromUnixNanos(0n), NTP_TO_UNIX_SECONDS << 32n, 'Unix epoch is 2208988800 s after 1900')
  t.equal(ntpFromUnixNanos(-NTP_TO_UNIX_SECONDS * NANOS_PER_SECOND), 0n, '1900-01-01 is zero')
  t.equal(ntpFromUnixNanos(500_000_000n), (NTP_TO_UNIX_SECONDS << 32n) + (1n << 31n), 'half a second')
  // beevik/ntp TestOfflineTimeConversions (from Mills' y2k page): 1464013191.567301084 s.
  // The fraction is 2436539602.66 units: beevik truncates to …602, we round to …603.
  t.equal(ntpFromUnixNanos(1_464_013_191_567_301_084n), (3_673_001_991n << 32n) + 2_436_539_603n)
  t.equal(ntpFromUnixNanos(BigInt(Date.UTC(2036, 1, 7)) * 1_000_000n), 4_294_944_000n << 32n, '2036-02-07 00:00Z')
})

t.test('ntpFromUnixNanos rounds to the nearest 2^-32 s', async (t) => {
  const base = NTP_TO_UNIX_SECONDS << 32n
  t.equal(ntpFromUnixNanos(1n) - base, 4n, '1 ns = 4.29 units, rounds down')
  t.equal(ntpFromUnixNanos(3n) - base, 13n, '3 ns = 12.88 units, rounds up (truncation gives 12)')
  t.equal(ntpFromUnixNanos(999_999_999n) - base, 4_294_967_292n, 'just under a second stays in the same second')
})

t.test('ntpFromUnixNanos wraps the seconds field at the era boundary', async (t) => {
  const boundary = ERA_1_START_UNIX_SECONDS * NANOS_PER_SECOND
  t.equal(ntpFromUnixNanos(boundary - 1_000_000_000n), 0xffff_ffffn << 32n, 'last second of era 0')
  t.equal(ntpFromUnixNanos(boundary), 0n, 'era 1 starts at zero')
  t.equal(ntpFromUnixNanos(boundary + 500_000_000n), 1n << 31n, 'half a second into era 1')
})

// After beevik/ntp's TestOfflineOffsetRollover: the same differences, taken at times across four
// eras of the seconds field's life, must not depend on where in the era they fall.
t.test('diffSeconds and diffUnits are era-safe', async (t) => {
  const moments: [string, bigint][] = [
    ['1970-01-01', 0n],
    ['2024-01-01', BigInt(Date.UTC(2024, 0, 1) / 1000)],
    ['2036, 3 s before the wrap', ERA_1_START_UNIX_SECONDS - 3n],
    ['2036, at the wrap', ERA_1_START_UNIX_SECONDS],
    ['2036, 1 s after the wrap', ERA_1_START_UNIX_SECONDS + 1n],
    ['2047-01-01', BigInt(Date.UTC(2047, 0, 1) / 1000)],
  ]
  const deltas = [0, 0.25, -0.25, 1.25, -1.25, 2.5, -2.5, 3600, -86_400.5]
  for (const [label, seconds] of moments) {
    for (const delta of deltas) {
      const a = ntpFromUnixNanos(at(seconds, delta))
      const b = ntpFromUnixNanos(at(seconds))
      t.equal(diffSeconds(a, b), delta, `${label}: a − b = ${delta}`)
      t.equal(diffSeconds(b, a), -delta, `${label}: b − a = ${-delta}`)
      t.equal(diffUnits(a, b), BigInt(delta * 2 ** 32), `${label}: ${delta} s in units`)
    }
  }
})

t.test('a difference across the 2036 wrap', async (t) => {
  const before = ntpFromUnixNanos(at(ERA_1_START_UNIX_SECONDS, -0.5))
  const after = ntpFromUnixNanos(at(ERA_1_START_UNIX_SECONDS, 0.5))
  t.ok(after < before, 'raw values run backwards across the wrap')
  t.equal(diffSeconds(after, before), 1)
  t.equal(diffSeconds(before, after), -1)
  t.equal(diffUnits(after, before), UNIT)
  t.equal(diffSeconds(0n, 0xffff_ffffn << 32n), 1, 'second 0 of era 1 minus the last second of era 0')
})

t.test('diffSeconds keeps the sign for differences up to 68 years', async (t) => {
  const y1970 = ntpFromUnixNanos(0n)
  const y2030 = ntpFromUnixNanos(at(BigInt(Date.UTC(2030, 0, 1) / 1000)))
  t.equal(diffSeconds(y2030, y1970), Date.UTC(2030, 0, 1) / 1000)
  t.equal(diffSeconds(y1970, y2030), -Date.UTC(2030, 0, 1) / 1000)
})

t.test('secondsFromUnits', async (t) => {
  t.equal(secondsFromUnits(UNIT), 1)
  t.equal(secondsFromUnits(-UNIT / 4n), -0.25)
  t.equal(secondsFromUnits(1n), 2 ** -32)
})

t.test('unixNanosFromNtp', async (t) => {
  const now = 1_764_038_062_123_456_789n
  t.equal(unixNanosFromNtp(ntpFromUnixNanos(now), now), now, 'pivot at the same time')
  t.equal(unixNanosFromNtp(ntpFromUnixNanos(now), now + 86_400n * NANOS_PER_SECOND), now, 'pivot a day later')
  t.equal(unixNanosFromNtp(ntpFromUnixNanos(now), now - 3_600n * NANOS_PER_SECOND), now, 'pivot an hour earlier')
  t.equal(unixNanosFromNtp(ntpFromUnixNanos(-1n), 0n), -1n, '1 ns before 1970')
})

t.test('unixNanosFromNtp picks the era nearest the pivot', async (t) => {
  const boundary = ERA_1_START_UNIX_SECONDS * NANOS_PER_SECOND
  const lastOfEra0 = 0xffff_ffffn << 32n
  const firstOfEra1 = 1n << 32n // second 1 of whichever era
  t.equal(unixNanosFromNtp(lastOfEra0, boundary + 10n * NANOS_PER_SECOND), boundary - NANOS_PER_SECOND, 'pivot just after the wrap, stamp just before')
  t.equal(unixNanosFromNtp(firstOfEra1, boundary - 10n * NANOS_PER_SECOND), boundary + NANOS_PER_SECOND, 'pivot just before the wrap, stamp just after')
  t.equal(unixNanosFromNtp(0n, boundary), boundary, 'zero in era 1')
  // 1900+1 s is 70 years before 1970, 2036+1 s only 66 years after: the later era is nearer
  t.equal(unixNanosFromNtp(firstOfEra1, 0n), boundary + NANOS_PER_SECOND, 'pivot 1970 reads second 1 as 2036')
  t.equal(unixNanosFromNtp(firstOfEra1, -NTP_TO_UNIX_SECONDS * NANOS_PER_SECOND), (1n - NTP_TO_UNIX_SECONDS) * NANOS_PER_SECOND, 'pivot 1900 reads second 1 as 1900')
})

t.test('NTP short format (Q16.16)', async (t) => {
  t.equal(secondsFromShort(0x0001_0000), 1)
  t.equal(secondsFromShort(0x0000_8000), 0.5)
  t.equal(secondsFromShort(0x0000_0001), 2 ** -16)
  t.equal(secondsFromShort(0xffff_ffff), 65_536 - 2 ** -16)
  t.equal(shortFromSeconds(1.5), 0x0001_8000)
  t.equal(shortFromSeconds(0.6 / 65_536), 1, 'rounds to the nearest unit')
  t.equal(shortFromSeconds(0.4 / 65_536), 0, 'rounds to the nearest unit')
  t.equal(shortFromSeconds(-1), 0, 'negative clamps to zero')
  t.equal(shortFromSeconds(70_000), 0xffff_ffff, 'too large clamps to the maximum')
  for (const raw of [0, 1, 0x8000, 0x1_2345, 0xffff_ffff]) {
    t.equal(shortFromSeconds(secondsFromShort(raw)), raw, `round trip 0x${raw.toString(16)}`)
  }
})
