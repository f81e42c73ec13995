/**
 * Page-level text quality rules for the heuristic DCLM filter, after the rule sets DCLM's baseline
 * pipeline builds on (dclm spec §1: RefinedWeb's heuristics; C4's line rules; Gopher's repetition
 * rules). A subset can only keep or drop whole documents, so line rules decide pages: a page loses
 * when the lines those rules would delete hold too many of its words (RefinedWeb drops a page once line
 * corrections remove more than 5 % of it). Thresholds are dcbench's, not DCLM's exact numbers.
 */

export type DocumentRejection = 'too_few_sentences' | 'boilerplate_lines' | 'repetition' | 'not_sentences'

export interface DocumentVerdict {
  keep: boolean
  reason?: DocumentRejection
}

/** C4's minimum: pages with fewer sentences than this are dropped. */
export const MIN_SENTENCES = 3
/** RefinedWeb: a page whose line corrections would remove more than this share of words is dropped. */
export const MAX_REMOVED_WORD_FRACTION = 0.05
/** Gopher: duplicate sentences may hold at most this share of the characters. */
export const MAX_DUPLICATE_SENTENCE_CHAR_FRACTION = 0.2
/** Share of sentences that must look like sentences (capitalised start). */
export const MIN_SENTENCE_CASE_FRACTION = 0.8

/** Substrings whose lines C4 and RefinedWeb delete (policy banners, navigation, UI text). */
const BOILERPLATE_MARKERS = ['cookie', 'javascript', 'privacy policy', 'terms of', 'all rights reserved', 'sign in', 'subscribe', 'lorem ipsum', 'skip to', 'back to top', 'read more', '|']

const TERMINAL = /[.!?"']$/

export function checkDocument(text: string): DocumentVerdict {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0)
  const words = (s: string): number => s.split(/\s+/).filter(Boolean).length
  const totalWords = lines.reduce((n, l) => n + words(l), 0)
  const removed = lines.filter((l) => isBoilerplateLine(l)).reduce((n, l) => n + words(l), 0)
  if (totalWords === 0 || removed / totalWords > MAX_REMOVED_WORD_FRACTION) return {keep: false, reason: 'boilerplate_lines'}

  const sentences = splitSentences(lines.join('\n'))
  if (sentences.length < MIN_SENTENCES) return {keep: false, reason: 'too_few_sentences'}
  if (duplicateSentenceCharFraction(sentences) > MAX_DUPLICATE_SENTENCE_CHAR_FRACTION) return {keep: false, reason: 'repetition'}
  const cased = sentences.filter((s) => /^[\p{Lu}\p{N}"']/u.test(s)).length
  if (cased / sentences.length < MIN_SENTENCE_CASE_FRACTION) return {keep: false, reason: 'not_sentences'}
  return {keep: true}
}

/** C4 line rules: a line without terminal punctuation, with fewer than 3 words, or with a policy/UI marker. */
export function isBoilerplateLine(line: string): boolean {
  const lower = line.toLowerCase()
  if (!TERMINAL.test(line)) return true
  if (line.split(/\s+/).length < 3) return true
  return BOILERPLATE_MARKERS.some((m) => lower.includes(m))
}

/** Sentences: text up to . ! or ? followed by whitespace or the end. */
export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

function duplicateSentenceCharFraction(sentences: readonly string[]): number {
  const seen = new Set<string>()
  let duplicate = 0
  let total = 0
  for (const s of sentences) {
    total += s.length
    if (seen.has(s)) duplicate += s.length
    else seen.add(s)
  }
  return total === 0 ? 0 : duplicate / total
}
