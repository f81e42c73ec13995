import {createRng} from '../util/rng.js'
import {CITIES, CITY_COUNTRIES, CITY_FEATURES, FAVOURITE_COLOURS, FEMALE_NAMES, GAMES, JOBS, MALE_NAMES, PETS, type City} from './text-entities.js'
import {relationObjects, type Relation} from './text-relations.js'

/**
 * One text world, fully determined by its seed: its people (each with a city, a job, a pet, a
 * favourite colour, a game and a best friend) and cities (each in a country, known for something),
 * the facts between them as data, and the one rumour per fact that false-fact documents state.
 */

/** One person of a world. */
export interface Person {
  name: string
  /** Decides the pronoun (she/he) in documents. */
  gender: 'female' | 'male'
  city: City
  job: string
  pet: string
  colour: string
  game: string
  /** Another person's name. */
  bestFriend: string
}

/** One city of a world. */
export interface CityInfo {
  name: City
  country: string
  knownFor: string
}

/** A fact: subject — relation → object (all plain strings as they appear in text). */
export interface Fact {
  subject: string
  relation: Relation
  object: string
}

/** One world, fully determined by its seed. */
export interface TextWorld {
  seed: number
  people: Person[]
  cities: CityInfo[]
  /** Every fact: each person's six, then each city's two. */
  facts: Fact[]
  /**
   * The world's misinformation: for each fact (same index), one fixed wrong object of its relation.
   * False-fact documents always state these, so junk repeats one consistent lie per fact — the
   * misinformation a tiny LM can actually learn, and the distractor the tiny suite offers beside the truth.
   */
  rumours: Fact[]
}

/** How many people a world has by default (even: half women, half men). */
export const PEOPLE_PER_WORLD = 16

/** Draws a world: `peopleCount` / 2 women and as many men from the name lists, attributes uniformly at random. */
export function buildTextWorld(seed: number, peopleCount = PEOPLE_PER_WORLD): TextWorld {
  if (!Number.isInteger(peopleCount) || peopleCount < 2 || peopleCount % 2 !== 0 || peopleCount / 2 > FEMALE_NAMES.length) {
    throw new RangeError(`a text world has an even number of people in [2, ${2 * FEMALE_NAMES.length}], not ${peopleCount}`)
  }
  const rng = createRng(`text-world:${seed}`)
  const names = [
    ...rng.fork('female').shuffle(FEMALE_NAMES).slice(0, peopleCount / 2).map((name) => ({name, gender: 'female' as const})),
    ...rng.fork('male').shuffle(MALE_NAMES).slice(0, peopleCount / 2).map((name) => ({name, gender: 'male' as const})),
  ]
  const ordered = rng.fork('order').shuffle(names)
  const attr = rng.fork('attributes')
  const people: Person[] = ordered.map(({name, gender}, i) => {
    let friend = attr.int(ordered.length - 1)
    if (friend >= i) friend += 1
    return {
      name,
      gender,
      city: attr.pick(CITIES),
      job: attr.pick(JOBS),
      pet: attr.pick(PETS),
      colour: attr.pick(FAVOURITE_COLOURS),
      game: attr.pick(GAMES),
      bestFriend: (ordered[friend] as {name: string}).name,
    }
  })
  const cityRng = rng.fork('cities')
  const cities: CityInfo[] = CITIES.map((name) => ({name, country: CITY_COUNTRIES[name], knownFor: cityRng.pick(CITY_FEATURES)}))
  const facts: Fact[] = []
  for (const p of people) {
    facts.push(
      {subject: p.name, relation: 'lives_in', object: p.city},
      {subject: p.name, relation: 'works_as', object: p.job},
      {subject: p.name, relation: 'has_pet', object: p.pet},
      {subject: p.name, relation: 'favourite_colour', object: p.colour},
      {subject: p.name, relation: 'plays', object: p.game},
      {subject: p.name, relation: 'best_friend', object: p.bestFriend},
    )
  }
  for (const c of cities) facts.push({subject: c.name, relation: 'located_in', object: c.country}, {subject: c.name, relation: 'known_for', object: c.knownFor})
  const lies = rng.fork('rumours')
  const rumours = facts.map((fact) => ({...fact, object: lies.pick(wrongObjects(fact, people.map((p) => p.name)))}))
  return {seed, people, cities, facts, rumours}
}

/** The objects a fact's relation allows that would make it false (a best friend is another member of the world). */
function wrongObjects(fact: Fact, members: readonly string[]): string[] {
  const pool = fact.relation === 'best_friend' ? members : relationObjects(fact.relation)
  return pool.filter((o) => o !== fact.object && o !== fact.subject)
}

/** The rumour about a fact: the fixed wrong object the world's misinformation states for it. */
export function rumourFor(world: TextWorld, fact: Fact): Fact {
  const i = world.facts.findIndex((f) => f.subject === fact.subject && f.relation === fact.relation)
  if (i < 0) throw new RangeError(`no fact ${fact.subject} ${fact.relation} in world ${world.seed}`)
  return world.rumours[i] as Fact
}

/** The facts of a world with one subject. */
export function factsAbout(world: TextWorld, subject: string): Fact[] {
  return world.facts.filter((f) => f.subject === subject)
}
