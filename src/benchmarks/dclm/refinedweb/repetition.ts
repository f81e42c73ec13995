import {pyLen} from './python-chars.js'
import {splitParagraphs, unicodeWords} from './page-rules.js'

/**
 * Gopher's repetition filters as DCLM implements them (mlfoundations/dclm 361714b,
 * baselines/mappers/filters/content_filters.py `massive_web_repetition_filters` and
 * `repetition_filter`, default arguments), in upstream's order: duplicate lines and paragraphs by
 * count (> 0.3) and by characters (> 0.2), the most common 2/3/4-gram's characters (> 0.20, 0.18,
 * 0.16) and the characters of words inside repeated 5…10-grams (> 0.15 … 0.10).
 */

/** The fraction of duplicated segments (by count or by characters); 'one' for a single segment (kept), 'empty' for none (dropped). */
function segmentRepetition(segments: string[], countCharacters: boolean): number | 'one' | 'empty' {
  if (segments.length === 1) return 'one'
  if (segments.length === 0) return 'empty'
  const counts = new Map<string, number>()
  for (const s of segments) counts.set(s, (counts.get(s) ?? 0) + 1)
  if (!countCharacters) {
    let repeated = 0
    for (const count of counts.values()) if (count > 1) repeated += count
    return repeated / segments.length
  }
  let total = 0
  for (const s of segments) total += pyLen(s)
  let repeated = 0
  for (const [s, count] of counts) if (count > 1) repeated += pyLen(s) * count
  return repeated / total
}

/** Keeps the page unless the segments repeat more than maxFraction. */
function segmentsPass(segments: string[], maxFraction: number, countCharacters: boolean): boolean {
  const fraction = segmentRepetition(segments, countCharacters)
  if (fraction === 'one') return true
  if (fraction === 'empty') return false
  return !(fraction > maxFraction)
}

/** Keeps the page unless the n-grams of `words` repeat more than maxFraction (Gopher's measure for n). */
function ngramsPass(words: string[], lengths: number[], totalChars: number, n: number, maxFraction: number): boolean {
  const count = words.length - n + 1
  if (count <= 0) return true
  // NUL joins the words of a key: a word segment never holds a control character
  const keys: string[] = new Array<string>(count)
  const counts = new Map<string, number>()
  for (let i = 0; i < count; i++) {
    const key = words.slice(i, i + n).join('\u0000')
    keys[i] = key
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  let top = 0
  for (const c of counts.values()) top = Math.max(top, c)
  if (top === 1) return true
  let repeatedChars = 0
  if (n <= 4) {
    // the most common n-gram; among n-grams tied for the top count, the longest in characters
    let longest = 0
    for (let i = 0; i < count; i++) {
      if (counts.get(keys[i] as string) !== top) continue
      let chars = 0
      for (let j = i; j < i + n; j++) chars += lengths[j] as number
      longest = Math.max(longest, chars)
    }
    repeatedChars = longest * top
  } else {
    const covered = new Uint8Array(words.length)
    for (let i = 0; i < count; i++) if ((counts.get(keys[i] as string) as number) > 1) covered.fill(1, i, i + n)
    for (let j = 0; j < words.length; j++) if (covered[j]) repeatedChars += lengths[j] as number
  }
  return !(repeatedChars / totalChars > maxFraction)
}

const NGRAM_LIMITS: [number, number][] = [[2, 0.2], [3, 0.18], [4, 0.16], [5, 0.15], [6, 0.14], [7, 0.13], [8, 0.12], [9, 0.11], [10, 0.1]]

/** `massive_web_repetition_filters(page)`: whether the page passes every Gopher repetition rule. */
export function massiveWebRepetitionFilters(text: string): boolean {
  if (text === '') return false
  const lines = splitParagraphs(text, '\n')
  const paragraphs = splitParagraphs(text, '\n\n')
  if (!segmentsPass(lines, 0.3, false) || !segmentsPass(paragraphs, 0.3, false)) return false
  if (!segmentsPass(lines, 0.2, true) || !segmentsPass(paragraphs, 0.2, true)) return false
  const words = unicodeWords(text)
  const lengths = words.map(pyLen)
  const totalChars = lengths.reduce((a, b) => a + b, 0)
  return NGRAM_LIMITS.every(([n, limit]) => ngramsPass(words, lengths, totalChars, n, limit))
}
