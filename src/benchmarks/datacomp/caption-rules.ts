/**
 * Caption rules of DataComp's `basic_filter` baseline (datacomp spec §6, baselines/apply_filter.py):
 * more than two whitespace-separated words and more than five characters. The baseline's third text
 * rule — fastText lid.176 says English — needs a model dcbench cannot ship; `looksLikeText` stands in
 * for it (most tokens are words of letters), which is NOT the official rule.
 */

export interface CaptionVerdict {
  keep: boolean
  /** Why it was dropped. */
  reason?: 'too_few_words' | 'too_short' | 'not_text'
}

export function checkCaption(caption: string): CaptionVerdict {
  const text = caption.trim()
  const words = text.split(/\s+/).filter((w) => w.length > 0)
  if (words.length <= 2) return {keep: false, reason: 'too_few_words'}
  if (text.length <= 5) return {keep: false, reason: 'too_short'}
  if (!looksLikeText(words)) return {keep: false, reason: 'not_text'}
  return {keep: true}
}

/** At least half the tokens are words of letters (file names, numbers and codes are not). */
export function looksLikeText(words: readonly string[]): boolean {
  const wordy = words.filter((w) => /^[\p{L}][\p{L}'-]*[.,;:!?]?$/u.test(w)).length
  return wordy * 2 >= words.length
}

/**
 * The image-size rules of `basic_filter`: the smaller original side ≥ 200 px and aspect ratio ≤ 3,
 * read from the metadata columns `original_width` / `original_height` (kept when they are absent).
 */
export function checkOriginalSize(metadata: Readonly<Record<string, unknown>>): boolean {
  const w = Number(metadata.original_width)
  const h = Number(metadata.original_height)
  if (!Number.isFinite(w) || !Number.isFinite(h) || w <= 0 || h <= 0) return true
  return Math.min(w, h) >= 200 && Math.max(w, h) / Math.min(w, h) <= 3
}
