import {pySplitWhitespace, pyStrip} from '../../../eval/lm/python-text.js'
import {PY_SPACE, PY_WORD, countUpperAndDigits, pyLen} from './python-chars.js'
import type {ChainPage} from './url-rules.js'

/**
 * The line-wise modifiers of DCLM's RefinedWeb chain (mlfoundations/dclm 361714b,
 * baselines/mappers/modifiers.py), each named after upstream's function: they rewrite the page's text
 * and return false when nothing is left (upstream returns no page).
 */

/** `newline_removal_modifier(max_consecutive)`: runs of more newlines become max_consecutive. */
export function newlineRemovalModifier(maxConsecutive: number): (page: ChainPage) => boolean {
  const pattern = new RegExp(`\\n{${maxConsecutive + 1},}`, 'g')
  const replacement = '\n'.repeat(maxConsecutive)
  return (page) => {
    page.text = page.text.replace(pattern, replacement)
    return true
  }
}

/** Keeps the lines `keep` accepts, joined and stripped; false when the result is empty. */
function keepLines(page: ChainPage, keep: (line: string) => boolean, strip = true): boolean {
  const joined = page.text.split('\n').filter(keep).join('\n')
  const text = strip ? pyStrip(joined) : joined
  if (text === '') return false
  page.text = text
  return true
}

/** `uppercase_ratio_line_modifier`: drops lines whose uppercase characters exceed maxRatio of the line. */
export function uppercaseRatioLineModifier(maxRatio: number): (page: ChainPage) => boolean {
  return (page) => keepLines(page, (line) => !line || countUpperAndDigits(line).upper / pyLen(line) <= maxRatio)
}

/** `numeric_ratio_line_modifier`: drops lines whose `isdigit()` characters exceed maxRatio of the line. */
export function numericRatioLineModifier(maxRatio: number): (page: ChainPage) => boolean {
  return (page) => keepLines(page, (line) => !line || countUpperAndDigits(line).digits / pyLen(line) <= maxRatio)
}

/** Upstream's counter regex (`3 likes`, `1.2k views`…), on the lowercased line; Python's `\W`, `\d`, `\s`. */
const COUNTER = new RegExp(
  `^[^${PY_WORD}]*\\p{Nd}(?:,|\\.|\\p{Nd})*(?:K|k|M|m|B|b)?[${PY_SPACE}]+(?:likes|shares|comments|retweets|reposts|quotes|bookmarks|upvotes|downvotes|downloads|views|followers)[^${PY_WORD}]*$`,
  'u',
)

/** `counter_line_modifier`: drops lines that are social-media counters. */
export function counterLineModifier(): (page: ChainPage) => boolean {
  return (page) => keepLines(page, (line) => !COUNTER.test(line.toLowerCase()))
}

/** `line_length_modifier`: keeps empty lines and lines of min…max `split()` words; not stripped. */
export function lineLengthModifier(minLength: number, maxLength = Infinity): (page: ChainPage) => boolean {
  return (page) =>
    keepLines(
      page,
      (line) => {
        const n = pySplitWhitespace(line).length
        return (minLength <= n && n <= maxLength) || !line
      },
      false,
    )
}

export interface SubstringLineOptions {
  /**
   * The banned text as a JavaScript regex body. Upstream joins its banlist unescaped into a Python
   * regex, so `Read more...` has three wildcards: Python's `.` is any character but `\n` (`[^\n]`).
   */
  pattern: string
  location: 'prefix' | 'suffix' | 'any'
  maxLength?: number
}

/**
 * `substring_line_modifier(remove_substring_only=True)`, case-insensitive: in each line of at most
 * maxLength `split()` words, the banned text (with one whitespace character before or after it, by
 * location) is removed; a non-empty line left empty or all whitespace is dropped.
 */
export function substringLineModifier(options: SubstringLineOptions): (page: ChainPage) => boolean {
  const space = `[${PY_SPACE}]?`
  const body = `(?:${options.pattern})`
  const source = options.location === 'prefix' ? `^${body}${space}` : options.location === 'suffix' ? `${space}${body}$` : `${space}${body}`
  const pattern = new RegExp(source, 'giu')
  const allSpace = new RegExp(`^[${PY_SPACE}]+$`, 'u')
  return (page) => {
    const kept: string[] = []
    for (let line of page.text.split('\n')) {
      if (options.maxLength === undefined || pySplitWhitespace(line).length <= options.maxLength) {
        const modified = line.replace(pattern, '')
        if (line && (!modified || allSpace.test(modified))) continue
        line = modified
      }
      kept.push(line)
    }
    const text = pyStrip(kept.join('\n'))
    if (text === '') return false
    page.text = text
    return true
  }
}
