/** src/io/net/resolve.ts's IP literal check, which avoids node:net for IPv4, against net.isIP itself. */
import t from 'tap'
import fc from 'fast-check'
import { isIP } from 'node:net'
import { ipLiteralFamily } from '../../../../src/io/net/resolve.js'

const octetLike = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('00', '01', '007', '', '-1', '1e2', ' 1', 'a'))
const dottedLike = fc.array(octetLike, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.'))
const hostLike = fc.oneof(dottedLike, fc.ipV4(), fc.ipV4Extended(), fc.ipV6(), fc.domain(), fc.string({ unit: fc.constantFrom(...'0123456789.:abcdef[]% ') }))

t.test('ipLiteralFamily says what net.isIP says', async (t) => {
  const hosts = fc.sample(hostLike, 5000)
  const differing: string[] = []
  for (const host of hosts) if ((await ipLiteralFamily(host)) !== isIP(host)) differing.push(host)
  t.same(differing, [], `the same answer for ${hosts.length} generated hosts`)
  t.ok(hosts.filter((host) => isIP(host) === 4).length > 500, 'many of them IPv4 literals')
})

t.test('the forms it must get right', async (t) => {
  for (const [host, family] of [
    ['127.0.0.1', 4],
    ['255.255.255.255', 4],
    ['256.0.0.1', 0],
    ['127.1', 0],
    ['01.2.3.4', 0],
    ['::1', 6],
    ['fe80::1%lo', 6],
    ['[::1]', 0],
    ['pool.ntp.org', 0],
    ['1.2.3.4.', 0],
  ] as const) {
    t.equal(await ipLiteralFamily(host), family, host)
  }
})
