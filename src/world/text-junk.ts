import type {Rng} from '../util/rng.js'
import {
  cleanDocument,
  pronounOf,
  relationObjects,
  RELATION_SPECS,
  splitWords,
  statementFor,
  type Fact,
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

/** A clean document's words in random order: right vocabulary, no language. */
export function shuffledWordsDocument(world: TextWorld, rng: Rng): TextDocument {
  return {text: rng.shuffle(splitWords(cleanDocument(world, rng))).join(' '), quality: 'shuffled_words'}
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
 * Fluent text that contradicts the world: a paragraph about a person whose every stated object is
 * replaced by a wrong value of the same relation. Only the world (or an oracle) can tell.
 */
export function falseFactsDocument(world: TextWorld, rng: Rng): TextDocument {
  const paragraphs: string[] = []
  const n = 1 + rng.int(3)
  for (let p = 0; p < n; p++) {
    const person = rng.pick(world.people)
    const facts = rng.shuffle(world.facts.filter((f) => f.subject === person.name)).slice(0, 3 + rng.int(3))
    const sentences = facts.map((fact, i) => {
      const wrong: Fact = {...fact, object: wrongObject(fact, rng)}
      return statementFor(wrong, {template: rng.int(RELATION_SPECS[fact.relation].templates.length), pronoun: i > 0 && rng.chance(0.6) ? pronounOf(person) : undefined})
    })
    paragraphs.push(sentences.join(' '))
  }
  return {text: paragraphs.join('\n\n'), quality: 'false_facts'}
}

function wrongObject(fact: Fact, rng: Rng): string {
  const choices = relationObjects(fact.relation).filter((o) => o !== fact.object && o !== fact.subject)
  return rng.pick(choices)
}
