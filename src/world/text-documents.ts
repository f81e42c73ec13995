import type {Rng} from '../util/rng.js'
import {factsAbout, type CityInfo, type Fact, type Person, type TextWorld} from './text-facts.js'
import {RELATION_SPECS} from './text-relations.js'
import {pronounOf, questionFor, statementFor} from './text-sentences.js'

/**
 * Clean documents: paragraphs that state true facts of a world (about a person, about a city, or as
 * questions and answers), 2–4 of them to a document.
 */

/** Kinds of clean document. */
export const CLEAN_DOCUMENT_KINDS = ['people', 'city', 'questions'] as const

/**
 * A paragraph about a person: their name in the first sentence, then some of their facts in random
 * templates, later sentences mostly with a pronoun.
 */
export function personParagraph(world: TextWorld, person: Person, rng: Rng): string {
  const facts = rng.shuffle(factsAbout(world, person.name))
  const count = 2 + rng.int(facts.length - 1)
  return sentencesFor(facts.slice(0, count), rng, pronounOf(person), 0.6).join(' ')
}

/** A paragraph about a city: its facts, then who lives there. */
export function cityParagraph(world: TextWorld, city: CityInfo, rng: Rng): string {
  const facts = rng.shuffle(factsAbout(world, city.name))
  const sentences = sentencesFor(facts, rng, 'it', 0.5)
  const residents = world.people.filter((p) => p.city === city.name)
  if (residents.length > 0) {
    const shown = rng.shuffle(residents).slice(0, 3)
    for (const person of shown) sentences.push(statementFor({subject: person.name, relation: 'lives_in', object: city.name}, {template: rng.int(3)}))
  }
  return sentences.join(' ')
}

/**
 * Facts about one subject as sentences, each in a random template of its relation; after the first,
 * each names the subject by `pronoun` with probability `pronounChance`.
 */
function sentencesFor(facts: readonly Fact[], rng: Rng, pronoun: 'she' | 'he' | 'it', pronounChance: number): string[] {
  return facts.map((fact, i) =>
    statementFor(fact, {template: rng.int(RELATION_SPECS[fact.relation].templates.length), pronoun: i > 0 && rng.chance(pronounChance) ? pronoun : undefined}),
  )
}

/** A question-and-answer block: "Q: Where does Alice live? A: Paris." lines. */
export function questionsParagraph(world: TextWorld, rng: Rng, count = 4): string {
  const lines: string[] = []
  for (let i = 0; i < count; i++) {
    const fact = rng.pick(world.facts)
    lines.push(`Q: ${questionFor(fact)} A: ${fact.object}.`)
  }
  return lines.join('\n')
}

/** A clean document of 2–4 paragraphs stating true facts of the world. */
export function cleanDocument(world: TextWorld, rng: Rng): string {
  const paragraphs: string[] = []
  const n = 2 + rng.int(3)
  for (let i = 0; i < n; i++) {
    const kind = rng.next()
    if (kind < 0.7) paragraphs.push(personParagraph(world, rng.pick(world.people), rng))
    else if (kind < 0.85) paragraphs.push(cityParagraph(world, rng.pick(world.cities), rng))
    else paragraphs.push(questionsParagraph(world, rng, 2 + rng.int(3)))
  }
  return paragraphs.join('\n\n')
}
