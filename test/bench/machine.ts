/** What the numbers were measured on, for the README. */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, loadavg, release } from 'node:os'

export interface Machine {
  date: string
  cpu: string
  cores: number
  kernel: string
  node: string
  chronyd: string
  ntpdig: string
  /** 1-minute load average when the bench started: other work on the machine makes numbers noisy */
  load: number
}

export function describeMachine(): Machine {
  return {
    date: new Date().toISOString().slice(0, 10),
    cpu: cpuModel(),
    cores: cpus().length,
    kernel: `Linux ${release()}`,
    node: process.version,
    chronyd: versionOf('/usr/sbin/chronyd', ['-v'], /version (\S+)/),
    ntpdig: versionOf('/usr/bin/ntpdig', ['--version'], /(ntpsec-\S+)/),
    load: loadavg()[0]!,
  }
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (m) return m[1]!.trim()
  } catch {
    // not Linux: fall through
  }
  return cpus()[0]?.model ?? 'unknown CPU'
}

function versionOf(command: string, args: string[], pattern: RegExp): string {
  const run = spawnSync(command, args, { encoding: 'utf8' })
  const m = pattern.exec(`${run.stdout ?? ''}${run.stderr ?? ''}`)
  return m ? m[1]! : 'absent'
}

export function machineLine(m: Machine): string {
  return `${m.date}; ${m.cpu}, ${m.cores} cores; ${m.kernel}; Node.js ${m.node}; chronyd ${m.chronyd}; ntpdig ${m.ntpdig}; load average ${m.load.toFixed(2)} at the start`
}
