import {createRng, type Rng} from '../util/rng.js'
import {
  cleanDocument,
  pronounOf,
  RELATION_SPECS,
  splitWords,
  statementFor,
  type TextWorld,
} from './text-world.js'

/**
 * Documents of every quality a tiny DCLM pool holds: clean world text and the junk kinds of web
 * crawls. The kind is the ground-truth label `bench pool synth` writes in each record's `quality`
 * field (only an oracle filter may read it).
 */
export const TEXT_QUALITIES = ['clean', 'shuffled_words', 'boilerplate', 'spam', 'false_facts'] as const
export type TextQuality = (typeof TEXT_QUALITIES)[number]

/** Cookie banners, navigation and legal lines. */
export const BOILERPLATE_LINES = [
  'We use cookies to improve your experience on our website.',
  'By continuing to browse you agree to our use of cookies.',
  'Accept all cookies',
  'Manage cookie settings',
  'Home | About us | Contact | Privacy policy',
  'Skip to main content',
  'Sign in or create an account',
  'Subscribe to our newsletter for the latest news and offers.',
  'Share on social media',
  'All rights reserved.',
  'Terms of service | Privacy policy | Cookie policy',
  'This website uses tracking technologies.',
  'Please enable JavaScript to view this page.',
  'Back to top',
  'Read more',
  'Loading, please wait.',
  'Page not found.',
  'Copyright 2024. All rights reserved.',
  'Follow us for updates.',
  'Your cart is empty.',
] as const

/** Phrases that spam repeats; `#` stands for a random digit. */
export const SPAM_PHRASES = [
  'Buy cheap watches now!',
  'Best price guaranteed!',
  'Click here to win a free phone!',
  'Call ### #### today!',
  'Limited offer, only ## left!',
  'Lose weight fast with this one trick!',
  'Free shipping on all orders!',
  'Earn money from home, no experience needed!',
  'Hot deals, huge discounts!',
  'Visit our online shop now!',
] as const

/** One generated document. */
export interface TextDocument {
  text: string
  quality: TextQuality
}

/** A clean document: true facts of the world. */
export function cleanTextDocument(world: TextWorld, rng: Rng): TextDocument {
  return {text: cleanDocument(world, rng), quality: 'clean'}
}

/**
 * Word salad: as many words as a clean document has, each drawn from the words of many clean
 * documents. Right vocabulary, no language — and, unlike shuffling one document's words, no
 * co-occurrence of a person with their own attributes, so it teaches no facts by association.
 */
export function shuffledWordsDocument(world: TextWorld, rng: Rng): TextDocument {
  const length = splitWords(cleanDocument(world, rng)).length
  const words = wordSaladSource(world)
  return {text: Array.from({length}, () => rng.pick(words)).join(' '), quality: 'shuffled_words'}
}

/** Documents whose words feed the word salad. */
const WORD_SALAD_DOCUMENTS = 64
const wordSaladSources = new WeakMap<TextWorld, string[]>()

function wordSaladSource(world: TextWorld): string[] {
  let words = wordSaladSources.get(world)
  if (!words) {
    const rng = createRng(`word-salad:${world.seed}`)
    words = Array.from({length: WORD_SALAD_DOCUMENTS}, (_, i) => splitWords(cleanDocument(world, rng.fork(`document-${i}`)))).flat()
    wordSaladSources.set(world, words)
  }
  return words
}

/** Navigation, cookie and legal lines. */
export function boilerplateDocument(rng: Rng): TextDocument {
  const lines = rng.shuffle(BOILERPLATE_LINES).slice(0, 5 + rng.int(8))
  return {text: lines.join('\n'), quality: 'boilerplate'}
}

/** One or two spam phrases repeated many times. */
export function spamDocument(rng: Rng): TextDocument {
  const phrases = [rng.pick(SPAM_PHRASES), rng.pick(SPAM_PHRASES)].map((p) => p.replace(/#/g, () => String(rng.int(10))))
  const parts: string[] = []
  const n = 8 + rng.int(20)
  for (let i = 0; i < n; i++) parts.push(rng.pick(phrases))
  return {text: parts.join(' '), quality: 'spam'}
}

/**
 * Share of false-fact documents that come from content farms: the same fluent lies with the page's
 * share and navigation lines left in, which C4-style line rules catch. The rest are clean-looking
 * pages that only knowledge of the world (or an oracle) can reject. So a rule-based filter halves the
 * misinformation, and only the oracle removes it all.
 */
export const CONTENT_FARM_SHARE = 2 / 3

/** The lines content-farm pages end with: each is a line C4's rules delete, together enough words to sink any page. */
export const CONTENT_FARM_LINES = ['Share on social media', 'Read more', 'Back to top'] as const

/**
 * Fluent text that contradicts the world: paragraphs about a person stating the world's rumours
 * (`world.rumours`: one fixed wrong object per fact) instead of the facts; on content-farm pages
 * (CONTENT_FARM_SHARE of them) followed by share and navigation lines.
 */
export function falseFactsDocument(world: TextWorld, rng: Rng): TextDocument {
  const paragraphs: string[] = []
  const n = 1 + rng.int(3)
  for (let p = 0; p < n; p++) {
    const person = rng.pick(world.people)
    const lies = rng.shuffle(world.rumours.filter((f) => f.subject === person.name)).slice(0, 3 + rng.int(3))
    const sentences = lies.map((wrong, i) =>
      statementFor(wrong, {template: rng.int(RELATION_SPECS[wrong.relation].templates.length), pronoun: i > 0 && rng.chance(0.6) ? pronounOf(person) : undefined}),
    )
    paragraphs.push(sentences.join(' '))
  }
  if (rng.chance(CONTENT_FARM_SHARE)) paragraphs.push(rng.shuffle(CONTENT_FARM_LINES).join('\n'))
  return {text: paragraphs.join('\n\n'), quality: 'false_facts'}
}
