import t from 'tap'
import { describeReject, type Reject } from '../../../src/ntp/reject.js'

t.test('describeReject has a line for every kind', async (t) => {
  const cases: [Reject, string][] = [
    [{ kind: 'malformed', detail: 'packet too short: 4 bytes, need 48' }, 'malformed packet: packet too short: 4 bytes, need 48'],
    [{ kind: 'wrong-source', from: '10.0.0.9:123' }, 'reply from unexpected source 10.0.0.9:123'],
    [{ kind: 'unknown-origin' }, 'origin timestamp matches no request of ours'],
    [{ kind: 'duplicate' }, 'duplicate reply to a request already answered'],
    [{ kind: 'not-server-mode', mode: 3 }, 'mode 3, not a server reply (4)'],
    [{ kind: 'bad-version', version: 6 }, 'unsupported NTP version 6'],
    [{ kind: 'zero-receive-time' }, 'receive timestamp is zero'],
    [{ kind: 'zero-transmit-time' }, 'transmit timestamp is zero'],
    [{ kind: 'kiss-o-death', code: 'RATE' }, "kiss-o'-death RATE"],
    [{ kind: 'kiss-o-death', code: 'XYZW' }, "kiss-o'-death XYZW (unknown code)"],
    [{ kind: 'bad-stratum', stratum: 16 }, 'stratum 16 is outside 1-15'],
    [{ kind: 'unsynchronized' }, 'server is unsynchronized (leap indicator 3)'],
  ]
  for (const [reject, line] of cases) t.equal(describeReject(reject), line, reject.kind)
})
