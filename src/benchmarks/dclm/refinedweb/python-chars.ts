import {PY_WS} from '../../../eval/lm/python-text.js'

/**
 * Python `str` and `re` semantics that DCLM's mappers rely on and JavaScript spells differently.
 * Checked code point by code point against Debian's Python 3.11 (Unicode 14): each class below equals
 * Python's on every code point Unicode 14 assigns; Node's newer Unicode also counts letters and digits
 * added since (Unicode 15–17), which Python 3.11 does not know.
 */

/** Python's `\s` / `str.isspace()` as a character-class body. */
export const PY_SPACE = PY_WS
/** Python's `\w` for `str` patterns: `str.isalnum()` or `_`. */
export const PY_WORD = '\\p{L}\\p{N}_'
/** Python's `\b`: between a `\w` and a non-`\w` character (or the text's edge). */
export const PY_BOUNDARY = `(?:(?<=[${PY_WORD}])(?![${PY_WORD}])|(?<![${PY_WORD}])(?=[${PY_WORD}]))`

/** `c.isalnum()` for the first code point of a string (DCLM's `split_words(ignore_punctuation=True)`). */
const STARTS_ALNUM = /^[\p{L}\p{N}]/u
const ALPHA = /\p{L}/u
const UPPER = /\p{Uppercase}/u
/**
 * `str.isdigit()`: Numeric_Type Decimal (`\p{Nd}`) or Digit — superscripts, circled and
 * parenthesised digits and the like, which JavaScript has no property for (listed from Python 3.11).
 */
const DIGIT = /[\p{Nd}\u00b2-\u00b3\u00b9\u1369-\u1371\u19da\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247c\u2488-\u2490\u24ea\u24f5-\u24fd\u24ff\u2776-\u277e\u2780-\u2788\u278a-\u2792\u{10a40}-\u{10a43}\u{10e60}-\u{10e68}\u{11052}-\u{1105a}\u{1f100}-\u{1f10a}]/u

export function startsAlnum(word: string): boolean {
  return STARTS_ALNUM.test(word)
}

/** `any(c.isalpha() for c in word)`. */
export function hasAlpha(word: string): boolean {
  return ALPHA.test(word)
}

/** `len(s)`: code points, not UTF-16 units. */
export function pyLen(s: string): number {
  let surrogatePairs = 0
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i)
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        surrogatePairs++
        i++
      }
    }
  }
  return s.length - surrogatePairs
}

/** `sum(c.isupper() for c in s)` and `sum(c.isdigit() for c in s)`, one pass. */
export function countUpperAndDigits(s: string): {upper: number; digits: number} {
  let upper = 0
  let digits = 0
  for (const char of s) {
    if (UPPER.test(char)) upper++
    if (DIGIT.test(char)) digits++
  }
  return {upper, digits}
}

/** Python's `str.splitlines()` (no keepends): every line boundary Python knows, no trailing empty line. */
// eslint-disable-next-line no-control-regex -- Python breaks lines at \x1c–\x1e too
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/u
export function pySplitlines(s: string): string[] {
  const lines = s.split(LINE_BREAK)
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** Python's `re.escape` (3.7+): the characters it backslashes. */
export function pyReEscape(s: string): string {
  return s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => `\\${c}`)
}

/** A string as a literal inside a JavaScript `u`-mode pattern (only syntax characters may be escaped there). */
export function jsRegexLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, (c) => `\\${c}`)
}

/**
 * A regex alternation of literal keys that matches what retrie's trie pattern matches, in the same
 * order of preference: at a position the trie's greedy optional groups try the longest key first
 * and back off to its shorter prefixes, as an alternation of the keys sorted longest first does.
 */
export function keyAlternation(keys: Iterable<string>): string {
  const unique = [...new Set(keys)].filter((k) => k.length > 0)
  unique.sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0))
  return `(?:${unique.map(jsRegexLiteral).join('|')})`
}
