/**
 * The intersection ("Marzullo") vote of RFC 5905 §11.2.1: which servers' correctness intervals
 * [θ − λ, θ + λ] agree with a majority. Pure.
 *
 * Marzullo's own form: find the points covered by the most intervals. Those intervals are the
 * truechimers when they are more than half of all and the points form one interval, their common
 * intersection; every other server is a falseticker. Unlike RFC 5905's scan (and ntpd's), a wide
 * interval cannot bridge two groups that disagree: every truechimer agrees with every other one.
 * When the most-covered points fall apart in separate places, the majority is ambiguous and the
 * vote says there is none.
 */
import type { Interval } from '../ntp/interval.js'

export interface Candidate {
  /** θ, seconds */
  offset: number
  /** λ, seconds: the bound on θ's error */
  rootDistance: number
}

export type Vote =
  | {
      kind: 'majority'
      /** the points covered by the most intervals: the truechimers' common intersection */
      intersection: Interval
      /** indexes into the candidates, ascending */
      truechimers: number[]
      falsetickers: number[]
    }
  | { kind: 'no-majority' }

interface Endpoint {
  value: number
  /** +1 where an interval opens, −1 where one closes */
  step: 1 | -1
}

export function vote(candidates: readonly Candidate[]): Vote {
  const n = candidates.length
  const endpoints = candidates
    .flatMap((c): Endpoint[] => [
      { value: c.offset - c.rootDistance, step: 1 },
      { value: c.offset + c.rootDistance, step: -1 },
    ])
    // Openings sort before closings at the same value, so intervals that merely touch overlap.
    .sort((a, b) => a.value - b.value || b.step - a.step)

  let most = 0
  let regions: Interval[] = []
  let covering = 0
  for (const { value, step } of endpoints) {
    const last = regions.at(-1)
    if (step === -1 && covering === most && last) last.high = value
    covering += step
    if (covering > most) [most, regions] = [covering, []]
    if (step === 1 && covering === most) regions.push({ low: value, high: value })
  }
  const [intersection, ...others] = regions
  if (2 * most <= n || intersection === undefined || others.length > 0) return { kind: 'no-majority' }
  const truechimers: number[] = []
  const falsetickers: number[] = []
  candidates.forEach((c, i) => {
    const contains = c.offset - c.rootDistance <= intersection.low && c.offset + c.rootDistance >= intersection.high
    ;(contains ? truechimers : falsetickers).push(i)
  })
  return { kind: 'majority', intersection, truechimers, falsetickers }
}
