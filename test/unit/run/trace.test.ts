import t from 'tap'
import { traceEvent, traceIgnored, traceVerdict } from '../../../src/run/trace.js'
import type { QueryEvent } from '../../../src/network/query.js'
import { selectServer } from '../../../src/select/select.js'
import type { ServerVerdict } from '../../../src/select/verdict.js'
import { kiss, observed, sampleOf, server } from '../../helpers/unit.js'

const v4 = server('192.0.2.1')
const v6 = server('::1', 11123)

t.test('one line per query event', async (t) => {
  const sample = { ...sampleOf({ delay: 0.0125, offset: -0.25, stratum: 3 }), rootDistance: 0.5 }
  const cases: [QueryEvent, RegExp[]][] = [
    [{ kind: 'sent', server: v4, nonce: 0xabcn }, [/^sent request to 192\.0\.2\.1 /, /nonce 0000000000000abc/]],
    [{ kind: 'send-failed', server: v6, error: 'EHOSTUNREACH' }, [/\[::1\]:11123/, /failed: EHOSTUNREACH/]],
    [{ kind: 'reply', server: v4, sample }, [/^reply from 192\.0\.2\.1:/, /stratum 3/, /refid 127\.127\.1\.1,/, /offset -0\.250000/, /delay 0\.012500/, /root distance 0\.500000/]],
    [{ kind: 'reply', server: v4, sample, stampedBy: { sent: 'kernel', received: 'kernel' } }, [/root distance 0\.500000, kernel timestamps$/]],
    [{ kind: 'reply', server: v4, sample, stampedBy: { sent: 'process', received: 'kernel' } }, [/root distance 0\.500000, T1 clock read \(no kernel timestamp\), T4 kernel$/]],
    [{ kind: 'kiss', server: v4, kiss: kiss('RATE') }, [/^kiss-o'-death RATE from 192\.0\.2\.1: no more requests to it this run$/]],
    [{ kind: 'kiss', server: v4, kiss: kiss('DENY') }, [/^kiss-o'-death DENY from 192\.0\.2\.1: withdrawn, and its earlier replies do not count$/]],
    [{ kind: 'timeout', server: v6 }, [/^no reply from \[::1\]:11123 /, /timeout/]],
    [{ kind: 'ignored', from: { address: '198.51.100.7', port: 123 }, reason: { kind: 'unknown-origin' } }, [/198\.51\.100\.7 port 123/, /origin timestamp matches no request of ours/]],
  ]
  for (const [event, patterns] of cases) {
    const line = traceEvent(event)
    t.notOk(line.includes('\n'), `${event.kind}: one line`)
    for (const pattern of patterns) t.match(line, pattern, `${event.kind}: ${line}`)
  }
})

t.test("one line per verdict: the label, the reason --json gives, and a voter's numbers", async (t) => {
  const sample = (offset: number, delay: number) => sampleOf({ delay, offset })
  const three = selectServer([observed(v4, [sample(0.000008, 0.01)]), observed(v6, [sample(0.00001, 0.03)]), observed(server('10.9.9.9'), [sample(2.5, 0.001)])], 0n)
  const [selected, agreed, falseticker] = three.verdicts.map((v) => traceVerdict(v))
  t.match(selected, /^192\.0\.2\.1: selected, lowest delay among the truechimers \(offset \+0\.000008, delay 0\.010000, root distance 0\.005000\)$/)
  t.match(agreed, /^\[::1\]:11123: truechimer, not selected, delay 0\.030000 s is above the selected server's 0\.010000 s \(offset /)
  t.match(falseticker, /^10\.9\.9\.9: dropped, falseticker, \+2\.500000 ±0\.005000 misses the majority's interval \[[-+]0\.\d{6}, [-+]0\.\d{6}\] \(offset \+2\.500000/)

  const tie = selectServer(
    [observed(v4, [sampleOf({ delay: 0.0001, stratum: 2 })]), observed(v6, [sampleOf({ delay: 0.0001, stratum: 3 })]), observed(server('10.1.1.1'), [sampleOf({ delay: 0.0001, stratum: 2 })])],
    0n,
  )
  const tieLines = tie.verdicts.map((v) => traceVerdict(v))
  t.match(tieLines[1], /not selected, same delay as the selected server, higher stratum \(3 > 2\)/, 'a delay tie is not "above"')
  t.match(tieLines[2], /not selected, same delay and stratum as the selected server, which was listed first/)
  const nearTie = selectServer([observed(v4, [sampleOf({ delay: 0.0001 })]), observed(v6, [sampleOf({ delay: 0.0001002 })])], 0n)
  t.match(traceVerdict(nearTie.verdicts[1] ?? { kind: 'no-reply', server: v6 }), /delay 0\.000100200 s is above the selected server's 0\.000100000 s/, 'digits enough to show the difference')

  const overruled = selectServer([observed(v4, [sampleOf({ delay: 0.008, offset: 0.0035 }), sampleOf({ delay: 0.01, offset: -0.004 })])], 0n)
  t.match(
    traceVerdict(overruled.verdicts[0] ?? { kind: 'no-reply', server: v4 }),
    /; the lowest-delay sample's offset \+0\.003500 is outside \[-0\.000500, \+0\.001000\], the bounds all 2 samples allow: their middle is the offset \(offset \+0\.000250/,
  )

  const dropped: [ServerVerdict, RegExp][] = [
    [{ kind: 'no-reply', server: v6 }, /^\[::1\]:11123: dropped, no reply within the timeout$/],
    [{ kind: 'kissed', server: v4, kiss: kiss('DENY'), replies: [] }, /^192\.0\.2\.1: dropped, kiss-o'-death DENY, no more requests were sent$/],
    [{ kind: 'kissed', server: v4, kiss: kiss('XYZ'), replies: [] }, /^192\.0\.2\.1: dropped, kiss-o'-death XYZ \(unknown code\)$/],
    [
      { kind: 'rejected', server: v6, fault: { kind: 'unsynchronized' }, last: sampleOf({ delay: 0.01 }), rootDistance: 0.005, rateLimited: true },
      /^\[::1\]:11123: dropped, server is unsynchronized \(leap indicator 3\); it sent RATE, so no more requests were sent$/,
    ],
  ]
  for (const [verdict, pattern] of dropped) t.match(traceVerdict(verdict), pattern, verdict.kind)
  const split = selectServer([observed(v4, [sample(0, 0.001)]), observed(v6, [sample(3, 0.001)])], 0n)
  t.match(traceVerdict(split.verdicts[0] ?? { kind: 'no-reply', server: v4 }), /^192\.0\.2\.1: undecided, no majority of the servers agrees, so none was selected \(offset/)
})

t.test('ignored datagrams are counted by reason, most frequent first', async (t) => {
  t.equal(traceIgnored(new Map()), undefined)
  t.equal(traceIgnored(new Map([['duplicate', 1]])), 'ignored 1 datagram: 1 duplicate')
  t.equal(
    traceIgnored(
      new Map([
        ['wrong-source', 1],
        ['unknown-origin', 2],
      ]),
    ),
    'ignored 3 datagrams: 2 unknown-origin, 1 wrong-source',
  )
})
