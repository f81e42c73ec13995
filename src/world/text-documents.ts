import type {Rng} from '../util/rng.js'
import {factsAbout, type CityInfo, type Person, type TextWorld} from './text-facts.js'
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
  const sentences = facts.slice(0, count).map((fact, i) =>
    statementFor(fact, {template: rng.int(RELATION_SPECS[fact.relation].templates.length), pronoun: i > 0 && rng.chance(0.6) ? pronounOf(person) : undefined}),
  )
  return sentences.join(' ')
}

/** A paragraph about a city: its facts, then who lives there. */
export function cityParagraph(world: TextWorld, city: CityInfo, rng: Rng): string {
  const facts = rng.shuffle(factsAbout(world, city.name))
  const sentences = facts.map((fact, i) =>
    statementFor(fact, {template: rng.int(RELATION_SPECS[fact.relation].templates.length), pronoun: i > 0 && rng.chance(0.5) ? 'it' : undefined}),
  )
  const residents = world.people.filter((p) => p.city === city.name)
  if (residents.length > 0) {
    const shown = rng.shuffle(residents).slice(0, 3)
    for (const person of shown) sentences.push(statementFor({subject: person.name, relation: 'lives_in', object: city.name}, {template: rng.int(3)}))
  }
  return sentences.join(' ')
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
