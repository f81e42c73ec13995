/**
 * The tokenizer-facing side of the text world: how its text splits into words, and the phrases
 * outside the entity lists and relation templates that TEXT_VOCABULARY (vocabulary.ts) must add.
 */

/**
 * How the world's text splits into words: runs of letters, single digits, single punctuation marks.
 * Every piece any generator emits is in TEXT_VOCABULARY (a test checks it).
 */
export function splitWords(text: string): string[] {
  return text.match(/[A-Za-z]+|[0-9]|[^\sA-Za-z0-9]/g) ?? []
}

/** The fixed phrases outside the relation templates that clean documents use. */
export const CLEAN_PHRASES = ['Q:', 'A:', 'She', 'He', 'It', 'Her', 'His', 'Its', 'a', 'an', "'s", '.', '?'] as const
