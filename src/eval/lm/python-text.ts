/**
 * Python `str` operations llm-foundry applies to ICL data, where JavaScript's built-ins differ:
 * `strip`/`rstrip`/`split()` use Python's whitespace set (it includes U+001C–U+001F and U+0085, and
 * not U+FEFF, unlike `String.prototype.trim`).
 */

/** Characters `str.isspace()` is true for. */
export const PY_WS = '\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const LEADING = new RegExp(`^[${PY_WS}]+`, 'u')
const TRAILING = new RegExp(`[${PY_WS}]+$`, 'u')
const RUNS = new RegExp(`[${PY_WS}]+`, 'u')

/** `s.strip()`. */
export function pyStrip(s: string): string {
  return pyRstrip(s.replace(LEADING, ''))
}

/** `s.rstrip()`. */
export function pyRstrip(s: string): string {
  return s.replace(TRAILING, '')
}

/** `s.split()` (no separator: runs of whitespace, no empty strings). */
export function pySplitWhitespace(s: string): string[] {
  return s.split(RUNS).filter((part) => part.length > 0)
}
