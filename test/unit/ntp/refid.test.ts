import t from 'tap'
import { asciiOfReferenceId, displayReferenceId } from '../../../src/ntp/refid.js'
import { refidOf } from '../../helpers/unit.js'

t.test('asciiOfReferenceId', async (t) => {
  t.equal(asciiOfReferenceId(0x5241_5445), 'RATE')
  t.equal(asciiOfReferenceId(refidOf('GPS')), 'GPS', 'trailing NUL dropped')
  t.equal(asciiOfReferenceId(0), '')
})

t.test('displayReferenceId', async (t) => {
  t.equal(displayReferenceId(refidOf('DENY'), 0), 'DENY', 'stratum 0: kiss code')
  t.equal(displayReferenceId(refidOf('GPS'), 1), 'GPS', 'stratum 1: reference clock')
  t.equal(displayReferenceId(0x0102_0304, 1), '0x01020304', 'stratum 1, unprintable: hex')
  t.equal(displayReferenceId(0x7f7f_0101, 2), '127.127.1.1', 'stratum 2: upstream IPv4 address')
  t.equal(displayReferenceId(0xc0a8_00ff, 15), '192.168.0.255')
})
