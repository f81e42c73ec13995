import {NONDESCRIPTIVE_CAPTIONS} from './image-junk.js'
import {CAPTION_TEMPLATES, COLOURS, POSITION_PHRASES, SHAPES} from './image-world.js'
import {BOILERPLATE_LINES, SPAM_PHRASES} from './text-junk.js'
import {
  CITIES,
  CITY_FEATURES,
  CLEAN_PHRASES,
  COUNTRIES,
  FAVOURITE_COLOURS,
  FEMALE_NAMES,
  GAMES,
  JOBS,
  MALE_NAMES,
  PETS,
  RELATION_SPECS,
  splitWords,
} from './text-world.js'

const DIGITS = '0123456789'.split('')

/**
 * Every word (as `splitWords` cuts text) that any text-world generator — clean documents, junk
 * documents, statements, completions, questions — can emit, for every seed. Sorted by code unit.
 * A word-level tokenizer built from it covers all tiny DCLM pools and the tiny LM eval suite.
 */
export const TEXT_VOCABULARY: readonly string[] = vocabularyOf([
  ...FEMALE_NAMES,
  ...MALE_NAMES,
  ...CITIES,
  ...COUNTRIES,
  ...CITY_FEATURES,
  ...JOBS,
  ...PETS,
  ...FAVOURITE_COLOURS,
  ...GAMES,
  ...Object.values(RELATION_SPECS).flatMap((spec) => [...spec.templates, spec.question]),
  ...CLEAN_PHRASES,
  'a an',
  ...BOILERPLATE_LINES,
  ...SPAM_PHRASES,
  ...DIGITS,
])

/** Every word (as `splitWords` cuts text) that image-world captions, clean or junk, can contain. */
export const IMAGE_CAPTION_VOCABULARY: readonly string[] = vocabularyOf([
  ...CAPTION_TEMPLATES,
  'a an',
  ...SHAPES,
  ...COLOURS,
  ...Object.values(POSITION_PHRASES).flat(),
  ...NONDESCRIPTIVE_CAPTIONS,
  ...DIGITS,
])

function vocabularyOf(texts: readonly string[]): string[] {
  const words = new Set<string>()
  for (const text of texts) for (const word of splitWords(text.replace(/\{[a-z_]+\}/g, ' ').replace(/#/g, ' '))) words.add(word)
  return [...words].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
