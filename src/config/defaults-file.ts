/**
 * /etc/default/tsntpdate as tsntpdate reads it. The cron script sources the same file with sh, so
 * this accepts only a subset of sh that sh reads the same way, and refuses the rest by FILE:LINE
 * instead of guessing. Pure. Each line is one of:
 *
 *   (blank)
 *   # a comment
 *   [export ]NAME=VALUE[ # a comment]
 *
 * NAME is a shell name; VALUE is one of `"text"` (no `"`, `\`, `$` or backquote inside), `'text'`
 * (no `'` inside), or a bare word of letters, digits and `_ . , : / @ % + = [ ] -` (possibly
 * empty). A value never spans lines. The last assignment of a name wins, as in sh. Carriage
 * returns (a file saved with DOS line ends) and a byte-order mark are refused: sh would keep them
 * as part of the words.
 */

export type DefaultsFileResult = { values: ReadonlyMap<string, string> } | { error: string }

const BLANK_OR_COMMENT = /^[ \t]*(?:#.*)?$/
const ASSIGNMENT = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"\\$`]*)"|'([^']*)'|([A-Za-z0-9_.,:/@%+=[\]-]*))(?:[ \t]+(?:#.*)?)?$/

/** The variables a defaults file sets, or the first line it has that is outside the subset. */
export function parseDefaultsFile(text: string, path: string): DefaultsFileResult {
  if (text.startsWith('\ufeff')) return { error: `${path}:1: starts with a byte-order mark; save it without one` }
  const values = new Map<string, string>()
  const lines = text.split('\n')
  for (const [index, line] of lines.entries()) {
    const where = `${path}:${index + 1}`
    if (line.includes('\r')) return { error: `${where}: a carriage return (DOS line ends); save the file with Unix line ends` }
    if (BLANK_OR_COMMENT.test(line)) continue
    const [, name, ...quoted] = ASSIGNMENT.exec(line) ?? []
    if (name === undefined) return { error: `${where}: not of the form NAME="value" (or NAME='value', NAME=word, a # comment): ${line}` }
    values.set(name, quoted.find((value) => value !== undefined) ?? '')
  }
  return { values }
}
