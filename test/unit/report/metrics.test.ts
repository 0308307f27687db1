import t from 'tap'
import { summarize, type RunSummary } from '../../../src/report/json.js'
import { renderMetrics } from '../../../src/report/metrics.js'
import { selectServer } from '../../../src/select/select.js'
import { observed, sampleOf, server } from '../../helpers/unit.js'

/** HELP, TYPE and samples of the Prometheus text format, strictly: anything else fails the test. */
function parseExposition(text: string): Map<string, { help: string; type: string; samples: Map<string, number> }> {
  const families = new Map<string, { help: string; type: string; samples: Map<string, number> }>()
  if (!text.endsWith('\n')) throw new Error('the text must end with a newline')
  for (const line of text.slice(0, -1).split('\n')) {
    const help = /^# HELP ([a-z_]+) (.+)$/.exec(line)
    const type = /^# TYPE ([a-z_]+) (gauge|counter)$/.exec(line)
    const sample = /^([a-z_]+)(\{[a-z_]+="[^"]*"\})? (\S+)$/.exec(line)
    if (help) families.set(help[1]!, { help: help[2]!, type: '', samples: new Map() })
    else if (type) families.get(type[1]!)!.type = type[2]!
    else if (sample) {
      const family = families.get(sample[1]!)
      if (!family?.type) throw new Error(`sample before its HELP and TYPE: ${line}`)
      family.samples.set(sample[2] ?? '', Number(sample[3]))
    } else throw new Error(`not an exposition line: ${JSON.stringify(line)}`)
  }
  return families
}

const NOW = 1_795_000_123.5

function reportOf(exitCode: number, offsets: number[], unresolvable = 0): RunSummary {
  const observations = offsets.map((offset, i) => observed(server(`10.0.0.${i + 1}`), [sampleOf({ delay: 0.002 + i / 1000, offset, stratum: 3 })]))
  const selection = selectServer(observations, 0n)
  const offset = selection.kind === 'chosen' ? selection.chosen.best.offset : undefined
  return summarize({
    version: '1',
    observations,
    selection,
    unresolvable: Array.from({ length: unresolvable }, (_, i) => ({ name: `n${i}.invalid`, port: 123, reason: 'ENOTFOUND' })),
    outcome: offset === undefined ? undefined : { kind: 'report', server: server('10.0.0.1'), method: 'slew', offset },
    authenticationOf: undefined,
    ntsFailures: [],
    clockChanged: false,
    maxOffset: undefined,
    exitCode,
    error: exitCode === 0 ? undefined : 'failed',
  })
}

t.test("a successful run: every family with HELP and TYPE gauge, the selected server's numbers", async (t) => {
  const metrics = parseExposition(renderMetrics(reportOf(0, [0.000012, 0.00002, 7], 1), NOW))
  t.same(
    [...metrics.keys()],
    [
      'tsntpdate_success',
      'tsntpdate_exit_code',
      'tsntpdate_last_run_timestamp_seconds',
      'tsntpdate_offset_seconds',
      'tsntpdate_delay_seconds',
      'tsntpdate_stratum',
      'tsntpdate_authenticated',
      'tsntpdate_servers_authenticated',
      'tsntpdate_servers',
    ],
  )
  for (const [name, family] of metrics) {
    t.equal(family.type, 'gauge', `${name} is a gauge`)
    t.ok(family.help.length > 10, `${name} has a HELP text`)
  }
  const value = (name: string, labels = '') => metrics.get(name)?.samples.get(labels)
  t.equal(value('tsntpdate_success'), 1)
  t.equal(value('tsntpdate_exit_code'), 0)
  t.equal(value('tsntpdate_last_run_timestamp_seconds'), NOW)
  t.equal(value('tsntpdate_offset_seconds'), 0.000012)
  t.equal(value('tsntpdate_delay_seconds'), 0.002)
  t.equal(value('tsntpdate_stratum'), 3)
  t.same(
    Object.fromEntries(metrics.get('tsntpdate_servers')!.samples),
    {
      '{status="selected"}': 1,
      '{status="truechimer"}': 1,
      '{status="falseticker"}': 1,
      '{status="no-majority"}': 0,
      '{status="kod"}': 0,
      '{status="no-reply"}': 0,
      '{status="unresolvable"}': 1,
      '{status="rejected"}': 0,
    },
    'every status, zeros included, so the series never vanish',
  )
  t.same(
    Object.fromEntries(metrics.get('tsntpdate_servers_authenticated')!.samples),
    { '{method="none"}': 3, '{method="symmetric"}': 0, '{method="nts"}': 0 },
    'servers whose replies counted, by method',
  )
})

t.test('a failed run: success 0, the exit code, and no offset, delay or stratum to report', async (t) => {
  const metrics = parseExposition(renderMetrics(reportOf(1, [0, 2.5]), NOW))
  t.equal(metrics.get('tsntpdate_success')?.samples.get(''), 1 - 1)
  t.equal(metrics.get('tsntpdate_exit_code')?.samples.get(''), 1)
  for (const absent of ['tsntpdate_offset_seconds', 'tsntpdate_delay_seconds', 'tsntpdate_stratum']) t.notOk(metrics.has(absent), absent)
  t.equal(metrics.get('tsntpdate_servers')?.samples.get('{status="no-majority"}'), 2)
})

t.test('a failed check keeps the offset it failed on', async (t) => {
  const metrics = parseExposition(renderMetrics(reportOf(3, [2.5]), NOW))
  t.equal(metrics.get('tsntpdate_success')?.samples.get(''), 0)
  t.equal(metrics.get('tsntpdate_exit_code')?.samples.get(''), 3)
  t.equal(metrics.get('tsntpdate_offset_seconds')?.samples.get(''), 2.5)
})
