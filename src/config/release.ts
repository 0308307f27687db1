/** Kept in step with package.json by test/unit/version.test.ts. */
export const VERSION = '0.1.0'
/** This release's date: the wrong-clock rule's lower bound for the time (man page, NTS). Unix seconds. */
export const RELEASED_AT_SECONDS = Date.parse('2026-12-03T00:00:00Z') / 1000
