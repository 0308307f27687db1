/** What a helper needs of a tap Test (or the bench) to clean up after itself. */
export interface Teardown {
  teardown(fn: () => unknown): void
}
