/**
 * The Debian package: `npm run deb`'s builder makes it, lintian finds nothing (errors or warnings),
 * apt-get installs it, /usr/sbin/tsntpdate -q works against a loopback chronyd, the man page is in
 * the man path and the timer is enabled; remove keeps the conffile, purge leaves nothing. Root only
 * (CI runs as root); the machine is left as it was.
 * Address block of this file: 127.0.21.x.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startChronyd } from '../helpers/chronyd.js'
import { REPO } from '../helpers/cli.js'

const run = (command: string, args: string[]) => {
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` }
}
// the timer, the boot unit and the resume unit are enabled on install (issue 24)
const enablementLinks = [
  '/etc/systemd/system/timers.target.wants/tsntpdate.timer',
  '/etc/systemd/system/multi-user.target.wants/tsntpdate-boot.service',
  ...['suspend', 'hibernate', 'hybrid-sleep', 'suspend-then-hibernate'].map((s) => `/etc/systemd/system/${s}.target.wants/tsntpdate-resume.service`),
]
const installed = () => run('dpkg-query', ['-W', '-f=${Status}', 'tsntpdate']).out.includes('install ok installed')
const known = () => run('dpkg-query', ['-W', '-f=${Status}', 'tsntpdate']).code === 0 && !run('dpkg-query', ['-W', '-f=${Status}', 'tsntpdate']).out.includes('not-installed')

if (process.getuid?.() !== 0) {
  if (process.env['CI'] === undefined) t.test('the Debian package', { skip: 'needs root (apt-get install); runs in CI' }, () => {})
  else t.fail('the package test needs root, and CI is set')
} else if (known()) {
  t.fail('a tsntpdate package is already on this machine: this test would replace it; remove it first')
} else {
  await packageTests()
}

async function packageTests() {
  const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-deb-'))
  chmodSync(dir, 0o755) // apt fetches local files as _apt
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // whatever happens, nothing of the package stays on the machine
  t.teardown(() => {
    if (known()) run('dpkg', ['--purge', 'tsntpdate'])
  })
  const build = run('sh', [join(REPO, 'cron', 'debian', 'build-deb.sh'), dir])
  t.equal(build.code, 0, `build-deb.sh: ${build.out}`)
  const deb = build.out.trim().split('\n').at(-1) ?? ''
  t.match(deb, /tsntpdate_\d+\.\d+\.\d+_[a-z0-9]+\.deb$/)

  t.test('lintian: no errors, no warnings', async (t) => {
    const r = run('lintian', ['--tag-display-limit', '0', deb])
    const findings = r.out.split('\n').filter((l) => /^[EW]: /.test(l))
    t.same(findings, [], r.out)
    t.notMatch(r.out, /not found|No such file/, 'lintian ran')
  })

  t.test('the contents: program, units, conffiles, man page, docs', async (t) => {
    const list = run('dpkg-deb', ['--contents', deb]).out
    for (const path of [
      './usr/sbin/tsntpdate',
      './usr/sbin/tsntpdate-hourly',
      './usr/lib/tsntpdate/dist/tsntpdate.cjs',
      './etc/default/tsntpdate',
      './etc/cron.hourly/tsntpdate',
      './usr/lib/systemd/system/tsntpdate.timer',
      './usr/lib/systemd/system/tsntpdate-boot.service',
      './usr/lib/systemd/system/tsntpdate-resume.service',
      './usr/lib/systemd/ntp-units.d/70-tsntpdate.list',
      './usr/share/man/man8/tsntpdate.8.gz',
      './usr/share/doc/tsntpdate/copyright',
      './usr/share/doc/tsntpdate/changelog.gz',
      // NTP servers from DHCP (issue 24, part 4): the writer, the dhclient exit hook, the dispatcher script
      './usr/lib/tsntpdate/tsntpdate-dhcp',
      './etc/dhcp/dhclient-exit-hooks.d/tsntpdate',
      './usr/lib/NetworkManager/dispatcher.d/50-tsntpdate',
    ])
      t.match(list, path, path)
    t.notMatch(list, './etc/NetworkManager/', "the dispatcher script in the vendor path: /etc is the admin's")
    t.notMatch(list, /node_modules\/(typescript|tap|esbuild|fast-check)\//, 'no development modules')
    t.match(run('dpkg-deb', ['--field', deb, 'Depends']).out, /nodejs \(>= 18\)/, "Debian 12's own nodejs (18.x) satisfies it (issue 24)")
    t.match(run('dpkg-deb', ['--field', deb, 'Depends']).out, /\bopenssl\b/, 'openssl: the wrong-clock rule runs openssl verify (issue 22, point 10)')
    t.notMatch(list, /node_modules\/[^ ]*\/(coverage|example|examples|test|ref)\//, "no dependency's coverage, examples, tests or references (issue 22, point 16)")
    t.match(run('dpkg-deb', ['--info', deb, 'conffiles']).out, /^\/etc\/default\/tsntpdate$/m, 'the defaults file is a conffile')
    t.match(run('dpkg-deb', ['--info', deb, 'conffiles']).out, /^\/etc\/dhcp\/dhclient-exit-hooks\.d\/tsntpdate$/m, 'the dhclient exit hook is a conffile')
  })

  t.test('packaged the Debian way (issue 24, part 5): every script a real file, units in the vendor path naming the job absolutely', async (t) => {
    const builder = readFileSync(join(REPO, 'cron', 'debian', 'build-deb.sh'), 'utf8')
    t.notMatch(builder, /<</, 'build-deb.sh writes no script from a heredoc')
    const scripts = run('shellcheck', ['-s', 'sh', join(REPO, 'cron', 'cron.hourly', 'tsntpdate'), join(REPO, 'cron', 'debian', 'tsntpdate'), join(REPO, 'cron', 'debian', 'build-deb.sh')])
    t.equal(scripts.code, 0, `shellcheck the cron drop-in, the launcher and the builder: ${scripts.out}`)
    const unpacked = join(dir, 'unpacked')
    t.equal(run('dpkg-deb', ['--extract', deb, unpacked]).code, 0)
    for (const unit of ['tsntpdate.service', 'tsntpdate-boot.service', 'tsntpdate-resume.service']) {
      const text = readFileSync(join(unpacked, 'usr', 'lib', 'systemd', 'system', unit), 'utf8')
      t.match(text, /^ExecStart=\/usr\/sbin\/tsntpdate-hourly$/m, `${unit}: ExecStart= by its absolute path`)
      t.match(readFileSync(join(unpacked, 'usr', 'lib', 'systemd', 'system', `${unit}.d`, 'hardening.conf'), 'utf8'), /^CapabilityBoundingSet=CAP_SYS_TIME$/m, `${unit}: the one hardening drop-in`)
    }
    t.notOk(existsSync(join(unpacked, 'lib', 'systemd')), 'nothing in /lib/systemd')
  })

  t.test('installed with apt-get, it works; remove keeps the conffile; purge leaves nothing', async (t) => {
    const install = run('apt-get', ['install', '-y', '--no-install-recommends', deb])
    t.equal(install.code, 0, install.out)
    t.match(
      install.out,
      /tsntpdate: no NTP server configured: the hourly run does nothing until NTPSERVERS in \/etc\/default\/tsntpdate names one/,
      'no built-in server, said at install (issue 22, point 14)',
    )
    t.ok(installed(), 'dpkg says installed')
    const chronyd = await startChronyd(t, { address: '127.0.21.1', port: 12501 })
    const query = run('/usr/sbin/tsntpdate', ['-q', chronyd.spec])
    t.equal(query.code, 0, query.out)
    t.match(query.out, /^server 127\.0\.21\.1:12501, stratum 2, offset [+-]0\.0000\d\d, delay /m)
    t.equal(run('man', ['-w', 'tsntpdate']).out.trim(), '/usr/share/man/man8/tsntpdate.8.gz')
    t.ok(existsSync('/etc/systemd/system/timers.target.wants/tsntpdate.timer'), 'the timer is enabled')
    for (const link of enablementLinks.slice(1)) t.ok(existsSync(link), `enabled out of the box: ${link} (issue 24)`)
    const remove = run('apt-get', ['remove', '-y', 'tsntpdate'])
    t.equal(remove.code, 0, remove.out)
    t.notOk(existsSync('/usr/sbin/tsntpdate'), 'removed: the program is gone')
    t.ok(existsSync('/etc/default/tsntpdate'), 'removed: the conffile stays')
    const cronAfterRemove = run('sh', ['/etc/cron.hourly/tsntpdate'])
    t.same(cronAfterRemove, { code: 0, out: '' }, 'removed: the cron drop-in (a conffile) stays quiet')
    const again = run('apt-get', ['install', '-y', '--no-install-recommends', deb])
    t.equal(again.code, 0, again.out)
    t.ok(existsSync('/etc/systemd/system/timers.target.wants/tsntpdate.timer'), 'installed again: the timer is enabled again (not left masked)')
    t.equal(run('apt-get', ['remove', '-y', 'tsntpdate']).code, 0)
    const purge = run('apt-get', ['purge', '-y', 'tsntpdate'])
    t.equal(purge.code, 0, purge.out)
    t.notOk(known(), 'purged: dpkg knows nothing of it')
    for (const path of ['/etc/default/tsntpdate', '/etc/cron.hourly/tsntpdate', '/usr/lib/tsntpdate', '/var/lib/tsntpdate']) {
      t.notOk(existsSync(path), `purged: ${path} is gone`)
    }
    for (const path of enablementLinks) {
      let link = false
      try {
        link = lstatSync(path).isSymbolicLink()
      } catch {
        // gone
      }
      t.notOk(link, `purged: no enablement link ${path}`)
    }
  })
}
