import {createRng, type Rng} from '../util/rng.js'
import {articleFor} from './english.js'

/**
 * The tiny text world: people (each with a city, a job, a pet, a favourite colour, a game and a best
 * friend) and cities (each in a country, known for something). `buildTextWorld(seed)` draws one world
 * deterministically; its facts are data (`world.facts`) so that the pool's clean documents, the
 * false-fact junk and the tiny LM eval suite (completions, multiple choice, schema items, short-answer
 * QA) all come from the same source. Every word any generator can emit is in TEXT_VOCABULARY, so a
 * tokenizer built from it never meets an unknown word.
 */

export const FEMALE_NAMES = [
  'Alice', 'Anna', 'Bella', 'Carol', 'Clara', 'Diana', 'Elena', 'Emma', 'Eva', 'Fiona',
  'Grace', 'Hannah', 'Helen', 'Irene', 'Isla', 'Ivy', 'Jane', 'Julia', 'Karen', 'Kate',
  'Laura', 'Lily', 'Lucy', 'Maya', 'Mia', 'Nina', 'Nora', 'Olivia', 'Paula', 'Rosa',
  'Ruth', 'Sara', 'Sophie', 'Tara', 'Tina', 'Uma', 'Vera', 'Wendy', 'Yara', 'Zoe',
] as const

export const MALE_NAMES = [
  'Adam', 'Alan', 'Ben', 'Bob', 'Brian', 'Carl', 'Colin', 'Dan', 'David', 'Derek',
  'Eric', 'Felix', 'Frank', 'George', 'Henry', 'Hugo', 'Ian', 'Jack', 'James', 'Kevin',
  'Leo', 'Liam', 'Mark', 'Nick', 'Noah', 'Oscar', 'Owen', 'Paul', 'Peter', 'Ralph',
  'Ryan', 'Sam', 'Simon', 'Tom', 'Umar', 'Victor', 'Walter', 'Xavier', 'Yusuf', 'Zack',
] as const

/** Cities and the (real) country each is in; every world uses all of them. */
export const CITY_COUNTRIES = {
  Paris: 'France', Lyon: 'France', Rome: 'Italy', Milan: 'Italy',
  Berlin: 'Germany', Munich: 'Germany', Madrid: 'Spain', Seville: 'Spain',
  Lisbon: 'Portugal', Porto: 'Portugal', Vienna: 'Austria', Salzburg: 'Austria',
  Dublin: 'Ireland', Cork: 'Ireland', Oslo: 'Norway', Bergen: 'Norway',
} as const
export type City = keyof typeof CITY_COUNTRIES
export const CITIES = Object.keys(CITY_COUNTRIES) as City[]
export const COUNTRIES = [...new Set(Object.values(CITY_COUNTRIES))]

/** What a city can be known for (drawn per world). */
export const CITY_FEATURES = [
  'its old bridges', 'its night markets', 'its football team', 'its museums', 'its harbour', 'its gardens',
  'its cheese', 'its music festival', 'its cathedral', 'its university', 'its railway station', 'its beaches',
  'its coffee', 'its bakeries', 'its theatre', 'its zoo',
] as const

export const JOBS = [
  'teacher', 'doctor', 'nurse', 'engineer', 'farmer', 'baker', 'pilot', 'lawyer', 'painter', 'musician',
  'writer', 'chef', 'dentist', 'driver', 'gardener', 'architect', 'scientist', 'carpenter', 'plumber', 'librarian',
  'singer', 'tailor', 'banker', 'sailor',
] as const

export const PETS = ['dog', 'cat', 'parrot', 'rabbit', 'hamster', 'goldfish', 'turtle', 'horse', 'snake', 'lizard', 'canary', 'pony'] as const

export const FAVOURITE_COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white', 'black', 'pink', 'brown'] as const

export const GAMES = ['tennis', 'football', 'chess', 'golf', 'hockey', 'rugby', 'cricket', 'basketball', 'volleyball', 'baseball'] as const

/** The relations of the world. Person relations first, then city relations. */
export const RELATIONS = ['lives_in', 'works_as', 'has_pet', 'favourite_colour', 'plays', 'best_friend', 'located_in', 'known_for'] as const
export type Relation = (typeof RELATIONS)[number]

/** What kind of thing is at either end of a relation. */
export type EntityKind = 'person' | 'city' | 'country' | 'job' | 'pet' | 'colour' | 'game' | 'feature'

/** How a relation is said. */
export interface RelationSpec {
  subject: 'person' | 'city'
  object: EntityKind
  /**
   * Statements. Each starts with `{s}` (the subject) or `{s_poss}` (its possessive) and ends with
   * `{o}.` (optionally `{a} {o}.`, `{a}` being the object's article), so the text before `{a}`/`{o}`
   * is a completion prompt whose answer is the object.
   */
  templates: readonly string[]
  /** A question whose short answer is the object. */
  question: string
}

export const RELATION_SPECS: Readonly<Record<Relation, RelationSpec>> = {
  lives_in: {
    subject: 'person', object: 'city',
    templates: ['{s} lives in {o}.', '{s} has a home in {o}.', '{s} lives in the city of {o}.', '{s_poss} home is in {o}.'],
    question: 'Where does {s} live?',
  },
  works_as: {
    subject: 'person', object: 'job',
    templates: ['{s} works as {a} {o}.', '{s} is {a} {o}.', '{s} has a job as {a} {o}.', '{s} earns a living as {a} {o}.'],
    question: 'What is the job of {s}?',
  },
  has_pet: {
    subject: 'person', object: 'pet',
    templates: ['{s} has a pet {o}.', '{s} owns {a} {o}.', '{s_poss} pet is {a} {o}.', '{s} takes care of {a} {o}.'],
    question: 'What pet does {s} have?',
  },
  favourite_colour: {
    subject: 'person', object: 'colour',
    templates: ['{s_poss} favourite colour is {o}.', '{s} loves the colour {o}.', '{s} always dresses in {o}.'],
    question: 'What is the favourite colour of {s}?',
  },
  plays: {
    subject: 'person', object: 'game',
    templates: ['{s} plays {o}.', '{s} likes to play {o}.', '{s_poss} favourite game is {o}.', '{s} spends weekends playing {o}.'],
    question: 'What game does {s} play?',
  },
  best_friend: {
    subject: 'person', object: 'person',
    templates: ['{s_poss} best friend is {o}.', '{s} is best friends with {o}.', '{s} trusts no one more than {o}.'],
    question: 'Who is the best friend of {s}?',
  },
  located_in: {
    subject: 'city', object: 'country',
    templates: ['{s} is in {o}.', '{s} is a city in {o}.', '{s} lies in {o}.'],
    question: 'In which country is {s}?',
  },
  known_for: {
    subject: 'city', object: 'feature',
    templates: ['{s} is known for {o}.', '{s} is famous for {o}.', '{s} attracts visitors with {o}.'],
    question: 'What is {s} known for?',
  },
}

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

/** Every value the object of a relation can take in any world (multiple-choice distractors come from here). */
export function relationObjects(relation: Relation): readonly string[] {
  switch (RELATION_SPECS[relation].object) {
    case 'city':
      return CITIES
    case 'job':
      return JOBS
    case 'pet':
      return PETS
    case 'colour':
      return FAVOURITE_COLOURS
    case 'game':
      return GAMES
    case 'person':
      return [...FEMALE_NAMES, ...MALE_NAMES]
    case 'country':
      return COUNTRIES
    case 'feature':
      return CITY_FEATURES
  }
}

/** The facts of a world with one subject. */
export function factsAbout(world: TextWorld, subject: string): Fact[] {
  return world.facts.filter((f) => f.subject === subject)
}

/** Options for saying a fact. */
export interface StatementOptions {
  /** Which of the relation's templates (default 0). */
  template?: number
  /** Say the subject as a pronoun (She / He / It) instead of its name. */
  pronoun?: 'she' | 'he' | 'it'
}

/** A fact as a sentence, e.g. "Alice lives in Paris." or "Her pet is a dog.". */
export function statementFor(fact: Fact, options: StatementOptions = {}): string {
  const spec = RELATION_SPECS[fact.relation]
  const template = spec.templates[(options.template ?? 0) % spec.templates.length] as string
  return fillSubject(template, fact.subject, options.pronoun).replace('{a}', articleFor(fact.object)).replace('{o}', fact.object)
}

/**
 * A language-modelling item from a fact: the context up to the object and the continuation (with its
 * leading space and article, without the final period): "Alice works as" → " an engineer".
 */
export function completionFor(fact: Fact, template = 0): {context: string; continuation: string} {
  const spec = RELATION_SPECS[fact.relation]
  const filled = fillSubject(spec.templates[template % spec.templates.length] as string, fact.subject)
  const cut = filled.search(/ \{a\}| \{o\}/)
  const context = filled.slice(0, cut)
  const continuation = filled.slice(cut).replace('{a}', articleFor(fact.object)).replace('{o}', fact.object).replace(/\.$/, '')
  return {context, continuation}
}

/** The question of a fact, e.g. "Where does Alice live?". Its short answer is `fact.object`. */
export function questionFor(fact: Fact): string {
  return RELATION_SPECS[fact.relation].question.replace('{s}', fact.subject)
}

function fillSubject(template: string, subject: string, pronoun?: 'she' | 'he' | 'it'): string {
  if (!pronoun) return template.replace('{s_poss}', `${subject}'s`).replace('{s}', subject)
  const forms = {she: ['She', 'Her'], he: ['He', 'His'], it: ['It', 'Its']}[pronoun]
  return template.replace('{s_poss}', forms[1] as string).replace('{s}', forms[0] as string)
}

/** The pronoun documents use for a person. */
export function pronounOf(person: Person): 'she' | 'he' {
  return person.gender === 'female' ? 'she' : 'he'
}

// ---------------------------------------------------------------------------------------------
// Clean documents

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

// ---------------------------------------------------------------------------------------------
// Words

/**
 * How the world's text splits into words: runs of letters, single digits, single punctuation marks.
 * Every piece any generator emits is in TEXT_VOCABULARY (a test checks it).
 */
export function splitWords(text: string): string[] {
  return text.match(/[A-Za-z]+|[0-9]|[^\sA-Za-z0-9]/g) ?? []
}

/** The fixed phrases outside the relation templates that clean documents use. */
export const CLEAN_PHRASES = ['Q:', 'A:', 'She', 'He', 'It', 'Her', 'His', 'Its', 'a', 'an', "'s", '.', '?'] as const
