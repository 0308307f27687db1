/**
 * The link-up hooks in cron/ (ifupdown's if-up.d, NetworkManager's dispatcher.d): they run the
 * hourly job in the background for a real interface coming up, with SPLAY 0, and nothing for the
 * loopback or any other event; always silent, always exit 0. The job itself (lock, daemon guard)
 * is cron.test.ts's. A stub stands in for it here.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { REPO, runCommand } from '../helpers/cli.js'

const IF_UP = join(REPO, 'cron', 'if-up.d', 'tsntpdate')
const DISPATCHER = join(REPO, 'cron', 'NetworkManager', '50-tsntpdate')

const dir = mkdtempSync(join(tmpdir(), 'tsntpdate-link-up-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
let runs = 0
const START_WAIT_MS = 15_000
const NO_START_WAIT_MS = 1500

/**
 * Runs `hook`; resolves what the job stub saw (its SPLAY), or undefined when it was not started
 * within `waitMs`: long where a start is expected (a loaded machine starts the background job
 * late), short where none is (a wrong start later than that would be missed; the checks of the
 * hook's exit status and silence hold anyway).
 */
async function hook(t: import('tap').Test, argv: string[], env: Record<string, string>, waitMs = NO_START_WAIT_MS): Promise<string | undefined> {
  const seen = join(dir, `seen-${++runs}`)
  const job = join(dir, `job-${runs}`)
  writeFileSync(job, `#!/bin/sh\nprintf '%s' "$TSNTPDATE_SPLAY" > '${seen}'\n`, { mode: 0o755 })
  // the dispatcher script also keeps the DHCP servers' lists (dhcp-hooks.test.ts): in the temp dir, never /run
  const lists = { TSNTPDATE_DHCP_DIR: join(dir, 'dhcp'), TSNTPDATE_DHCP_WRITER: join(REPO, 'cron', 'dhcp', 'tsntpdate-dhcp') }
  const r = await runCommand(argv, { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TSNTPDATE_HOURLY: job, ...lists, ...env } })
  t.equal(r.code, 0, `${argv.at(-1)}: exit 0`)
  t.equal(r.stdout + r.stderr, '', 'silent')
  for (let waited = 0; waited < waitMs && !existsSync(seen); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50))
  return existsSync(seen) ? readFileSync(seen, 'utf8') : undefined
}

t.test('shellcheck: both hooks are clean', async (t) => {
  const r = spawnSync('shellcheck', ['-s', 'sh', IF_UP, DISPATCHER], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stdout + r.stderr)
})

t.test('ifupdown: an interface coming up runs the job with SPLAY 0; lo, a stop and other families do not', async (t) => {
  t.equal(await hook(t, [IF_UP], { IFACE: 'eth0', MODE: 'start', ADDRFAM: 'inet' }, START_WAIT_MS), '0', 'eth0 up: the job ran, SPLAY 0')
  t.equal(await hook(t, [IF_UP], { IFACE: 'eth0', MODE: 'start', ADDRFAM: 'inet6' }, START_WAIT_MS), '0', 'inet6 too')
  t.equal(await hook(t, [IF_UP], { IFACE: 'lo', MODE: 'start', ADDRFAM: 'inet' }), undefined, 'lo: nothing')
  t.equal(await hook(t, [IF_UP], { IFACE: 'eth0', MODE: 'stop', ADDRFAM: 'inet' }), undefined, 'stop: nothing')
  t.equal(await hook(t, [IF_UP], { IFACE: 'can0', MODE: 'start', ADDRFAM: 'can' }), undefined, 'not IP: nothing')
  t.equal(await hook(t, [IF_UP], { IFACE: 'eth0', MODE: 'start', ADDRFAM: 'NetworkManager' }), undefined, "NetworkManager's run of if-up.d: its dispatcher hook does it")
})

t.test('NetworkManager: up and vpn-up run the job; lo and other actions do not', async (t) => {
  t.equal(await hook(t, [DISPATCHER, 'eth0', 'up'], {}, START_WAIT_MS), '0')
  t.equal(await hook(t, [DISPATCHER, 'tun0', 'vpn-up'], {}, START_WAIT_MS), '0')
  t.equal(await hook(t, [DISPATCHER, 'lo', 'up'], {}), undefined, 'lo: nothing')
  t.equal(await hook(t, [DISPATCHER, 'eth0', 'down'], {}), undefined, 'down: nothing')
  t.equal(await hook(t, [DISPATCHER, 'eth0', 'dhcp4-change'], {}), undefined, 'dhcp4-change that leaves the DHCP servers as they were: nothing')
})

t.test('without the job installed: silent, exit 0', async (t) => {
  t.equal(await hook(t, [IF_UP], { IFACE: 'eth0', MODE: 'start', ADDRFAM: 'inet', TSNTPDATE_HOURLY: join(dir, 'absent') }), undefined)
})
