import t from 'tap'
import { traceEvent, traceIgnored, traceVerdict } from '../../../src/cli/trace.js'
import type { QueryEvent } from '../../../src/network/query.js'
import type { Selection, ServerVerdict } from '../../../src/select/select.js'
import { sampleOf, server } from '../../helpers/unit.js'

const v4 = server('192.0.2.1')
const v6 = server('::1', 11123)

t.test('one line per query event', async (t) => {
  const sample = { ...sampleOf({ delay: 0.0125, offset: -0.25, stratum: 3 }), rootDistance: 0.5 }
  const cases: [QueryEvent, RegExp[]][] = [
    [{ kind: 'sent', server: v4, nonce: 0xabcn }, [/^sent request to 192\.0\.2\.1 /, /nonce 0000000000000abc/]],
    [{ kind: 'send-failed', server: v6, error: 'EHOSTUNREACH' }, [/\[::1\]:11123/, /failed: EHOSTUNREACH/]],
    [{ kind: 'sample', server: v4, sample }, [/^reply from 192\.0\.2\.1:/, /stratum 3/, /refid 127\.127\.1\.1,/, /offset -0\.250000/, /delay 0\.012500/, /root distance 0\.500000/]],
    [{ kind: 'sample', server: v4, sample, stampedBy: { sent: 'kernel', received: 'kernel' } }, [/root distance 0\.500000, kernel timestamps$/]],
    [
      { kind: 'sample', server: v4, sample, stampedBy: { sent: 'process', received: 'kernel' } },
      [/root distance 0\.500000, T1 clock read \(no kernel timestamp\), T4 kernel$/],
    ],
    [{ kind: 'timeout', server: v6 }, [/^no reply from \[::1\]:11123 /, /timeout/]],
    [
      { kind: 'ignored', from: { address: '198.51.100.7', port: 123 }, reject: { kind: 'unknown-origin' } },
      [/198\.51\.100\.7 port 123/, /origin timestamp matches no request of ours/],
    ],
  ]
  for (const [event, patterns] of cases) {
    const line = traceEvent(event)
    t.notOk(line.includes('\n'), `${event.kind}: one line`)
    for (const pattern of patterns) t.match(line, pattern, `${event.kind}: ${line}`)
  }
})

t.test('one line per verdict', async (t) => {
  const verdict = (fields: Pick<ServerVerdict, 'server' | 'best' | 'status'> & Partial<ServerVerdict>): ServerVerdict => ({
    rootDistance: fields.best?.rootDistance,
    estimate: fields.best && { offset: fields.best.offset },
    rateLimited: false,
    ...fields,
  })
  const chosen = verdict({ server: v4, best: sampleOf({ delay: 0.01, offset: 0.000008 }), status: { kind: 'selected' } })
  const selection: Selection = { verdicts: [], chosen, agreement: { kind: 'majority', intersection: { low: -0.001, high: 0.002 } } }
  const cases: [ServerVerdict, RegExp[]][] = [
    [chosen, [/^192\.0\.2\.1: selected/, /lowest delay/, /offset \+0\.000008, delay 0\.010000/]],
    [verdict({ server: v6, best: sampleOf({ delay: 0.03 }), status: { kind: 'truechimer' } }), [/^\[::1\]:11123: truechimer, not selected/, /delay 0\.030000 is above 0\.010000/]],
    [
      verdict({ server: v6, best: sampleOf({ delay: 0.03, offset: 2.5 }), status: { kind: 'falseticker' } }),
      [/^\[::1\]:11123: dropped, falseticker: \+2\.500000 ±0\.015000 misses the majority's interval \[-0\.001000, \+0\.002000\]$/],
    ],
    [
      verdict({
        server: v4,
        best: sampleOf({ delay: 0.008, offset: 0.0035 }),
        estimate: { offset: 0.00025, overruledBy: { bounds: { low: -0.0005, high: 0.001 }, samples: 3 } },
        status: { kind: 'selected' },
      }),
      [/\(offset \+0\.000250, delay 0\.008000\); the lowest-delay sample's offset \+0\.003500 is outside \[-0\.000500, \+0\.001000\], the bounds all 3 samples allow: their middle is the offset$/],
    ],
    [verdict({ server: v6, best: undefined, status: { kind: 'no-reply' } }), [/^\[::1\]:11123: dropped, no reply$/]],
    [verdict({ server: v4, best: sampleOf({ delay: 0.01 }), status: { kind: 'kod', code: 'DENY' } }), [/^192\.0\.2\.1: dropped, kiss-o'-death DENY, no more requests were sent$/]],
    [
      verdict({ server: v4, best: sampleOf({ delay: 0.01 }), status: { kind: 'rejected', reason: { kind: 'kiss-o-death', code: 'XYZ' } } }),
      [/^192\.0\.2\.1: dropped, kiss-o'-death XYZ \(unknown code\)$/],
    ],
    [verdict({ server: v6, best: undefined, status: { kind: 'rejected', reason: { kind: 'unsynchronized' } } }), [/^\[::1\]:11123: dropped, server is unsynchronized/]],
    [verdict({ server: v4, best: sampleOf({ delay: 0.02 }), status: { kind: 'truechimer' }, rateLimited: true }), [/sent RATE, so no more requests were sent$/]],
  ]
  for (const [v, patterns] of cases) {
    const line = traceVerdict(v, selection)
    for (const pattern of patterns) t.match(line, pattern, `${v.status.kind}: ${line}`)
  }
})

t.test('ignored datagrams are counted by reason, most frequent first', async (t) => {
  t.equal(traceIgnored(new Map()), undefined)
  t.equal(traceIgnored(new Map([['duplicate', 1]])), 'ignored 1 datagram: 1 duplicate')
  t.equal(traceIgnored(new Map([['wrong-source', 1], ['unknown-origin', 2]])), 'ignored 3 datagrams: 2 unknown-origin, 1 wrong-source')
})
