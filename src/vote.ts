/**
 * The intersection ("Marzullo") vote of RFC 5905 §11.2.1: which servers' correctness intervals
 * [θ − λ, θ + λ] agree with a majority. Pure.
 *
 * As in ntpd 4.2.8 and chrony, the interval's midpoints are not counted: a server whose interval
 * overlaps the majority's intersection is a truechimer even when its own θ lies outside it, so two
 * agreeing servers of different precision are never called liars.
 */

export interface Candidate {
  /** θ, seconds */
  offset: number
  /** λ, seconds: the bound on θ's error */
  rootDistance: number
}

export interface Interval {
  low: number
  high: number
}

export type Vote =
  | {
      kind: 'majority'
      /** the span covered by the intervals of at least `agreeing` candidates */
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
  if (n === 0) return { kind: 'no-majority' }
  const endpoints: Endpoint[] = candidates.flatMap((c): Endpoint[] => [
    { value: c.offset - c.rootDistance, step: 1 },
    { value: c.offset + c.rootDistance, step: -1 },
  ])
  // Openings sort before closings at the same value, so intervals that merely touch overlap.
  endpoints.sort((a, b) => a.value - b.value || b.step - a.step)

  // Allow f falsetickers, f = 0, 1, … while the rest are still a majority (2f < n).
  for (let f = 0; 2 * f < n; f++) {
    const needed = n - f
    const low = firstCovered(endpoints, needed)
    const high = -firstCovered(mirrored(endpoints), needed)
    if (low <= high) return classify(candidates, { low, high })
  }
  return { kind: 'no-majority' }
}

/** The lowest value covered by at least `needed` intervals (scanning upward), or +∞. */
function firstCovered(endpoints: readonly Endpoint[], needed: number): number {
  let covering = 0
  for (const { value, step } of endpoints) {
    covering += step
    if (covering >= needed) return value
  }
  return Infinity
}

/** The same intervals on a negated axis, so the upward scan finds the highest covered value. */
function mirrored(endpoints: readonly Endpoint[]): Endpoint[] {
  return endpoints.map(({ value, step }) => ({ value: -value, step: -step as 1 | -1 })).reverse()
}

function classify(candidates: readonly Candidate[], intersection: Interval): Vote {
  const truechimers: number[] = []
  const falsetickers: number[] = []
  candidates.forEach((c, i) => {
    const overlaps = c.offset - c.rootDistance <= intersection.high && c.offset + c.rootDistance >= intersection.low
    ;(overlaps ? truechimers : falsetickers).push(i)
  })
  return { kind: 'majority', intersection, truechimers, falsetickers }
}
