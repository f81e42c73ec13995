import {distance} from 'fastest-levenshtein'

/** A did-you-mean guess and how many single-character edits away from what was typed it is. */
export interface Guess {
  match: string
  distance: number
}

/**
 * The candidate closest to what was typed (case aside), when it is close enough to be a slip of the
 * keyboard (`valdate` → `validate`, `evl` → `eval`): at most a third of the typed length, and at
 * least 2, edits away. Ties go to the first candidate, so callers pass candidates in a stable order.
 */
export function closestGuess(typed: string, candidates: readonly string[]): Guess | undefined {
  const limit = Math.max(2, Math.ceil(typed.length / 3))
  let best: Guess | undefined
  for (const candidate of candidates) {
    const d = distance(typed.toLowerCase(), candidate.toLowerCase())
    if (d <= limit && (best === undefined || d < best.distance)) best = {match: candidate, distance: d}
  }
  return best
}

/** closestGuess's match alone. */
export function closestMatch(typed: string, candidates: readonly string[]): string | undefined {
  return closestGuess(typed, candidates)?.match
}
