/**
 * Whether every time daemon would show in /proc here (host/time-daemon.ts: else the kernel's
 * word counts): not in a container, whose host's daemon is out of sight, nor where /proc hides
 * other users' processes (hidepid, subset=pid) or cannot be listed. `root` is for tests: a
 * made-up tree.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Visibility } from '../../host/time-daemon.js'
import { readText } from '../files/read-text.js'

/** The kernel's PROC_PID_INIT_INO: the inode of the initial PID namespace (include/linux/proc_ns.h). */
const INITIAL_PID_NAMESPACE_INODE = 0xeffffffc

export function daemonVisibility(root = '/'): Visibility {
  const container = detectContainer(root).container
  if (container !== undefined) return { hiddenBecause: `in a ${container} container` }
  try {
    readdirSync(join(root, 'proc'))
  } catch {
    return { hiddenBecause: 'no /proc to look in' }
  }
  const hiding = procHiding(readText(join(root, 'proc/self/mountinfo')) ?? '')
  return { hiddenBecause: hiding && `/proc hides other users' processes (${hiding})` }
}

/** `hidepid=…`/`subset=pid` of the procfs mounted on /proc (mountinfo's super options), if it hides any. */
export function procHiding(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const [mount, fs] = line.split(' - ')
    if (mount?.split(' ')[4] !== '/proc' || !fs?.startsWith('proc ')) continue
    const options = fs.split(' ')[2]?.split(',') ?? []
    return options.find((o) => (o.startsWith('hidepid=') && !['hidepid=0', 'hidepid=off'].includes(o)) || o === 'subset=pid')
  }
  return undefined
}

/**
 * A container, judged in systemd-detect-virt's order (systemd's src/basic/virt.c
 * detect_container): OpenVZ's /proc/vz, WSL's kernel release, the files a container manager
 * leaves (/run/host/container-manager, /run/systemd/container), PID 1's `container=`, podman's
 * /run/.containerenv, docker's /.dockerenv, and last a PID namespace other than the kernel's
 * first (systemd ≥ 254).
 */
export function detectContainer(root = '/'): { container: string | undefined } {
  const at = (path: string) => join(root, path)
  const text = (path: string) => readText(at(path))
  const named = (kind: string | undefined) => (kind && kind.trim() ? { container: kind.trim().split('\n')[0] ?? 'other' } : undefined)
  if (existsSync(at('proc/vz')) && !existsSync(at('proc/bc'))) return { container: 'openvz' }
  if (/Microsoft|WSL/.test(text('proc/sys/kernel/osrelease') ?? '')) return { container: 'wsl' }
  const declared = named(text('run/host/container-manager')) ?? named(text('run/systemd/container'))
  if (declared) return declared
  // readable by root with CAP_SYS_PTRACE only: the hardened units read the files above instead
  const pid1 = /(?:^|\0)container=([^\0]*)/.exec(text('proc/1/environ') ?? '')?.[1]
  if (pid1) return { container: pid1 }
  if (existsSync(at('run/.containerenv'))) return { container: 'podman' }
  if (existsSync(at('.dockerenv'))) return { container: 'docker' }
  try {
    if (statSync(at('proc/self/ns/pid')).ino !== INITIAL_PID_NAMESPACE_INODE) return { container: 'container-other' }
  } catch {
    // no namespace file (an old kernel, or no /proc): nothing says this is a container
  }
  return { container: undefined }
}
