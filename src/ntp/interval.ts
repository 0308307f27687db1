/** A closed range of offsets, seconds: what a set of bounds allows. */
export interface Interval {
  low: number
  high: number
}
