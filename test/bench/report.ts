/** Formats the benchmark's results as Markdown and puts them into docs/performance.md between the markers. */
import { readFileSync, writeFileSync } from 'node:fs'

/** 0.0000042 → `4.2 µs`, 0.0123 → `12.30 ms`, 1.2 → `1.20 s` */
export function seconds(s: number | undefined): string {
  if (s === undefined || Number.isNaN(s)) return '–'
  const a = Math.abs(s)
  if (a < 1e-5) return `${(s * 1e6).toFixed(1)} µs`
  if (a < 1e-3) return `${(s * 1e6).toFixed(0)} µs`
  if (a < 1) return `${(s * 1e3).toFixed(2)} ms`
  return `${s.toFixed(2)} s`
}

export function millis(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '–'
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`
}

export function mib(kib: number | undefined): string {
  return kib === undefined || Number.isNaN(kib) ? '–' : `${(kib / 1024).toFixed(1)} MiB`
}

export function ratio(value: number | undefined, base: number | undefined): string {
  if (value === undefined || base === undefined || Number.isNaN(value) || Number.isNaN(base) || base === 0) return ''
  return ` (${(value / base).toFixed(2)}×)`
}

/** A Markdown table; `|` inside cells must already be escaped. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/**
 * Replaces what is between `<!-- NAME:start -->` and `<!-- NAME:end -->`. The markers (and the
 * section around them) are written by hand once; a file without them is left alone and reported.
 */
export function writeIntoReadme(path: string, block: string, name = 'bench'): boolean {
  const [startMark, endMark] = [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`]
  const text = readFileSync(path, 'utf8')
  const start = text.indexOf(startMark)
  const end = text.indexOf(endMark)
  if (start < 0 || end < start) return false
  writeFileSync(path, `${text.slice(0, start + startMark.length)}\n${block.trim()}\n${text.slice(end)}`)
  return true
}
