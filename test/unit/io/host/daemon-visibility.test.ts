import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import t, { type Test } from 'tap'
import { daemonVisibility, detectContainer, procHiding } from '../../../../src/io/host/daemon-visibility.js'

/** A made-up root with these files (path → content). */
function tree(t: Test, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'tsntpdate-root-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

t.test('the container managers systemd-detect-virt knows, in its order', async (t) => {
  const cases: [string, Record<string, string>, string | undefined][] = [
    ['OpenVZ: /proc/vz without /proc/bc', { 'proc/vz/x': '' }, 'openvz'],
    ['an OpenVZ host has /proc/bc too: no namespace file here either', { 'proc/vz/x': '', 'proc/bc/x': '' }, undefined],
    ['WSL by its kernel release', { 'proc/sys/kernel/osrelease': '5.15.90.1-microsoft-standard-WSL2\n' }, 'wsl'],
    ['systemd-nspawn says so in /run/systemd/container', { 'run/systemd/container': 'systemd-nspawn\n' }, 'systemd-nspawn'],
    ['/run/host/container-manager first', { 'run/host/container-manager': 'podman\n', 'run/systemd/container': 'x' }, 'podman'],
    ["PID 1's container= (lxc)", { 'proc/1/environ': 'PATH=/bin\0container=lxc\0' }, 'lxc'],
    ['podman', { 'run/.containerenv': '' }, 'podman'],
    ['docker', { '.dockerenv': '' }, 'docker'],
    ['an empty /run/systemd/container says nothing', { 'run/systemd/container': '\n' }, undefined],
    ['nothing at all (no /proc/self/ns/pid in the tree): a host', {}, undefined],
  ]
  for (const [what, files, expected] of cases) t.equal(detectContainer(tree(t, files)).container, expected, what)
})

t.test(
  "this machine: the same answer as systemd's own detection",
  { skip: process.env['CI'] ? false : spawnSync('systemd-detect-virt', ['--version']).error && 'systemd-detect-virt is not installed' },
  async (t) => {
    const systemd = spawnSync('systemd-detect-virt', ['--container'], { encoding: 'utf8' })
    t.error(systemd.error, 'systemd-detect-virt runs')
    const theirs = systemd.stdout.trim()
    const ours = detectContainer().container
    t.comment(`systemd-detect-virt: ${theirs}; tsntpdate: ${ours ?? 'none'}`)
    // systemd before 254 does not count a PID namespace alone as a container
    if (theirs === 'none') t.ok(ours === undefined || ours === 'container-other', 'no container manager named')
    else t.equal(ours, theirs, 'the same container manager')
  },
)

t.test('a /proc that hides processes, or none: the kernel word counts (a daemon may be out of sight)', async (t) => {
  const PROC = '21 26 0:20 / /proc rw,relatime - proc proc '
  t.equal(procHiding(`${PROC}rw\n`), undefined, 'a plain /proc')
  t.equal(procHiding(`${PROC}rw,hidepid=2\n`), 'hidepid=2')
  t.equal(procHiding(`${PROC}rw,hidepid=invisible,gid=4\n`), 'hidepid=invisible')
  t.equal(procHiding(`${PROC}rw,subset=pid\n`), 'subset=pid')
  t.equal(procHiding(`${PROC}rw,hidepid=0\n`), undefined, 'hidepid=0 hides nothing')
  t.equal(procHiding('30 21 0:40 / /proc/sys/fs/binfmt_misc rw - binfmt_misc x rw,hidepid=2\n'), undefined, 'only the mount on /proc')
  t.same(daemonVisibility(tree(t, { 'proc/1/stat': '', 'proc/self/mountinfo': `${PROC}rw,hidepid=2\n` })), { hiddenBecause: "/proc hides other users' processes (hidepid=2)" })
  t.same(daemonVisibility(tree(t, { 'proc/1/stat': '', 'proc/self/mountinfo': `${PROC}rw\n` })), { hiddenBecause: undefined }, 'all visible')
  t.same(daemonVisibility(tree(t, {})), { hiddenBecause: 'no /proc to look in' })
  t.same(daemonVisibility(tree(t, { '.dockerenv': '' })), { hiddenBecause: 'in a docker container' })
})
