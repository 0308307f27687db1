/**
 * --metrics-file: the run as node_exporter textfile-collector metrics (Prometheus text format
 * 0.0.4), every family with HELP and TYPE. Built from the run summary the --json document is written from, so both say the same. Pure.
 */
import type { RunSummary } from './json.js'
import { STATUS_KINDS } from './status.js'

interface Family {
  name: string
  help: string
  samples: { labels?: string; value: number }[]
}

/** `nowSeconds`: Unix time of the end of the run (a wall-clock reading, not an NTP timestamp). */
export function renderMetrics(report: RunSummary, nowSeconds: number): string {
  const selected = report.servers.find((s) => s.status.kind === 'selected')
  const counts = new Map<string, number>(STATUS_KINDS.map((kind) => [kind, 0]))
  for (const { status } of report.servers) counts.set(status.kind, (counts.get(status.kind) ?? 0) + 1)
  const families: Family[] = [
    { name: 'tsntpdate_success', help: '1 if the last run exited 0, else 0.', samples: [{ value: report.exitCode === 0 ? 1 : 0 }] },
    { name: 'tsntpdate_exit_code', help: 'Exit status of the last run.', samples: [{ value: report.exitCode }] },
    {
      name: 'tsntpdate_last_run_timestamp_seconds',
      help: 'Unix time at the end of the last run.',
      samples: [{ value: nowSeconds }],
    },
    ...(report.offset === null ? [] : [{ name: 'tsntpdate_offset_seconds', help: "Selected server's offset; > 0: the local clock is behind.", samples: [{ value: report.offset }] }]),
    ...(selected?.delay == null ? [] : [{ name: 'tsntpdate_delay_seconds', help: 'Round-trip delay to the selected server.', samples: [{ value: selected.delay }] }]),
    ...(selected?.stratum == null ? [] : [{ name: 'tsntpdate_stratum', help: 'Stratum of the selected server.', samples: [{ value: selected.stratum }] }]),
    ...(report.frequency === null
      ? []
      : [
          { name: 'tsntpdate_drift_ppm', help: "The local clock's rate error learned from the last run (--drift-file); > 0: it falls behind.", samples: [{ value: report.frequency.driftPpm }] },
          { name: 'tsntpdate_frequency_ppm', help: "The kernel's frequency offset (adjtimex), ppm.", samples: [{ value: report.frequency.kernelPpm }] },
        ]),
    {
      name: 'tsntpdate_authenticated',
      help: "1 if the selected server's replies were authenticated (-a or --nts), else 0.",
      samples: [{ value: selected?.authentication ? 1 : 0 }],
    },
    {
      name: 'tsntpdate_servers_authenticated',
      help: 'Servers of the last run whose replies counted, by how they were authenticated (none, symmetric, nts).',
      samples: (['none', 'symmetric', 'nts'] as const).map((method) => ({
        labels: `method="${method}"`,
        value: report.servers.filter((s) => s.samples.length > 0 && (s.authentication?.method ?? 'none') === method).length,
      })),
    },
    {
      name: 'tsntpdate_servers',
      help: 'Servers (addresses, and names that did not resolve) of the last run by status.',
      samples: [...counts].map(([status, value]) => ({ labels: `status="${status}"`, value })),
    },
  ]
  return families.flatMap(renderFamily).join('\n') + '\n'
}

function renderFamily({ name, help, samples }: Family): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples.map(({ labels, value }) => `${name}${labels ? `{${labels}}` : ''} ${formatValue(value)}`)]
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  return String(value)
}
