/**
 * The option table, property-tested (issue 9): repeating options, reordering them, bundling short
 * flags and writing a value attached or apart give the same Options, or the same usage error.
 */
import fc from 'fast-check'
import t from 'tap'
import { parseArgs } from '../../../src/cli/args.js'
import { OPTIONS, optionKey, type OptionSpec } from '../../../src/cli/option-table.js'
import { holds } from '../../helpers/property.js'

/** Values that pass some options' checks and fail others'. */
const VALUES = ['1', '4', '0.5', '300', '0', '-1', 'x', 'udp://127.0.0.1', 'local3', 'rfc3164', 'm.prom']

/** Options whose relative order decides the result: at most one of each group is generated. */
const ORDER_GROUPS = [
  ['step', 'slew'],
  ['ipv4', 'ipv6'],
]
const groupOf = (o: OptionSpec) => ORDER_GROUPS.findIndex((g) => g.includes(optionKey(o)))

interface Given {
  option: OptionSpec
  value: string | undefined
}

/** A set of distinct options (so no order matters between them), each with a value if it takes one. */
const givenOptions = fc
  .subarray([...OPTIONS], { minLength: 0, maxLength: 8 })
  .filter((chosen) => ORDER_GROUPS.every((_, g) => chosen.filter((o) => groupOf(o) === g).length <= 1))
  .chain((chosen) => fc.tuple(...chosen.map((option) => (option.value === undefined ? fc.constant(undefined) : fc.constantFrom(...VALUES)).map((value) => ({ option, value })))))
  .map((given): Given[] => given)

const servers = fc.array(fc.constantFrom('a.example', '127.0.0.1', '[::1]:123'), { maxLength: 2 })

/** Each option in its own words, the value apart (`-p 4`, `--gap 0.5`); long form when both exist and `long`. */
function apart(given: readonly Given[], long: boolean): string[] {
  return given.flatMap(({ option, value }) => {
    const flag = option.short && !(long && option.long) ? `-${option.short}` : `--${option.long}`
    return value === undefined ? [flag] : [flag, value]
  })
}

/** Values attached (`-p4`, `--gap=0.5`). */
function attached(given: readonly Given[]): string[] {
  return given.map(({ option, value }) => {
    if (value === undefined) return option.short ? `-${option.short}` : `--${option.long}`
    return option.short ? `-${option.short}${value}` : `--${option.long}=${value}`
  })
}

/** Short flags in one bundle, then a short valued option appended to it, as getopt allows (`-qdp4`). */
function bundled(given: readonly Given[]): string[] {
  const flags = given.filter((g) => g.option.short && g.value === undefined)
  const valuedShort = given.find((g) => g.option.short && g.value !== undefined)
  const rest = given.filter((g) => !flags.includes(g) && g !== valuedShort)
  const bundle = flags.map((g) => g.option.short).join('') + (valuedShort ? `${valuedShort.option.short}${valuedShort.value}` : '')
  return [...(bundle === '' ? [] : [`-${bundle}`]), ...attached(rest)]
}

/** What parseArgs makes of argv: the Options, or the usage error's message. */
function outcome(argv: string[]): unknown {
  try {
    return parseArgs(argv)
  } catch (error) {
    return { error: (error as Error).message }
  }
}

t.test('the same options in any spelling give the same result', async (t) => {
  holds(
    t,
    fc.property(givenOptions, servers, fc.boolean(), fc.nat(), (given, names, long, seed) => {
      const expected = outcome([...apart(given, false), ...names])
      const shuffled = [...given].sort((a, b) => ((optionKey(a.option).length * 31 + seed) % 7) - ((optionKey(b.option).length * 31 + seed) % 7))
      const spellings = [
        [...apart(given, long), ...names],
        [...attached(given), ...names],
        [...bundled(given), ...names],
        [...apart(shuffled, long), ...names],
        [...names, ...apart(given, long)],
        [...apart(given, long), ...apart(given, !long), ...names], // every option twice
        [...bundled(given), ...bundled(given), ...names],
      ]
      return spellings.every((argv) => {
        const got = outcome(argv)
        if (JSON.stringify(got) === JSON.stringify(expected)) return true
        throw new Error(`${JSON.stringify(argv)} gave ${JSON.stringify(got)}, not ${JSON.stringify(expected)}`)
      })
    }),
    1000,
  )
})
