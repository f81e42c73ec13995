import {pySplitWhitespace, pyStrip} from '../../../eval/lm/python-text.js'
import {fastTextTokenize} from '../../../filters/text/fasttext.js'
import {hasAlpha, pyLen, startsAlnum} from './python-chars.js'

/**
 * The page-level filters of DCLM's RefinedWeb chain, each named after its function in
 * mlfoundations/dclm 361714b baselines/mappers/filters/content_filters.py and taking that
 * function's parameters. Each returns whether the page is kept. Lengths are Python's (code points);
 * `split()` is Python's whitespace split.
 */

/** `split_paragraphs(text, paragraph_end)`: split, each part stripped, empty parts dropped. */
export function splitParagraphs(text: string, end = '\n'): string[] {
  const parts: string[] = []
  for (const part of text.split(end)) {
    const stripped = pyStrip(part)
    if (stripped) parts.push(stripped)
  }
  return parts
}

/** `split_words(text, model='fasttext', ignore_punctuation=True)`: fastText's tokens that start with a letter or digit. */
export function fastTextWords(text: string): string[] {
  return fastTextTokenize(text).filter(startsAlnum)
}

const WORD_SEGMENTER = new Intl.Segmenter('en', {granularity: 'word'})

/**
 * `split_words(text, model='uniseg', ignore_punctuation=True)`: Unicode word segments (UAX #29) that
 * start with a letter or digit. uniseg is replaced by ICU's word segmenter (Intl.Segmenter): the
 * same UAX #29 rules, but ICU splits Chinese, Japanese and Thai runs by dictionary where uniseg
 * breaks at every ideograph [unverified for those scripts].
 */
export function unicodeWords(text: string): string[] {
  const words: string[] = []
  for (const {segment} of WORD_SEGMENTER.segment(text)) if (startsAlnum(segment)) words.push(segment)
  return words
}

/** `page_length_filter(length_type='word', ignore_punctuation=True)`: min ≤ fastText words ≤ max. */
export function pageLengthFilter(text: string, minLength: number, maxLength: number): boolean {
  const n = fastTextWords(text).length
  return n >= minLength && n <= maxLength
}

/** `word_length_filter`: the mean length of `split()` words within [min, max]; no words drops. */
export function wordLengthFilter(text: string, minLength: number, maxLength: number): boolean {
  const words = pySplitWhitespace(text)
  if (words.length === 0) return false
  const mean = words.reduce((n, w) => n + pyLen(w), 0) / words.length
  return mean >= minLength && mean <= maxLength
}

/** `str.count(sub)`: non-overlapping occurrences. */
function countOf(text: string, sub: string): number {
  return text.split(sub).length - 1
}

/** `symbol_ratio_filter`: (`#` + `...` + `. . .` + `…`) per `split()` word at most max. */
export function symbolRatioFilter(text: string, maxRatio: number): boolean {
  const symbols = ['#', '...', '. . .', '\u2026'].reduce((n, s) => n + countOf(text, s), 0)
  const words = pySplitWhitespace(text).length
  return !(words === 0 || symbols / words > maxRatio)
}

/** `bullet_count_filter`: lines starting with ● • * - at most maxRatio of the lines. */
export function bulletCountFilter(text: string, maxRatio: number): boolean {
  const lines = splitParagraphs(text)
  const bullets = lines.filter((line) => ['●', '•', '*', '-'].some((b) => line.startsWith(b))).length
  return !(bullets > maxRatio * lines.length)
}

/** `ellipsis_count_filter`: lines ending with `...`, `. . .` or `…` at most maxRatio of the lines. */
export function ellipsisCountFilter(text: string, maxRatio: number): boolean {
  const lines = splitParagraphs(text)
  const ellipses = lines.filter((line) => ['...', '. . .', '\u2026'].some((e) => line.endsWith(e))).length
  return !(ellipses > maxRatio * lines.length)
}

/** `alphabetic_word_ratio_filter`: `split()` words without a letter at most maxRatio; no words drops. */
export function alphabeticWordRatioFilter(text: string, maxRatio: number): boolean {
  const words = pySplitWhitespace(text)
  if (words.length === 0) return false
  return words.filter((w) => !hasAlpha(w)).length / words.length <= maxRatio
}

const STOP_WORDS = new Set(['the', 'be', 'to', 'of', 'and', 'that', 'have', 'with'])

/** `stop_word_filter(count_unique=False)`: at least minStopWords `split()` words that are stop words (lowercased). */
export function stopWordFilter(text: string, minStopWords: number): boolean {
  let count = 0
  for (const word of pySplitWhitespace(text)) {
    if (STOP_WORDS.has(word.toLowerCase()) && ++count >= minStopWords) return true
  }
  return false
}
