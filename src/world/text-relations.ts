import {CITIES, CITY_FEATURES, COUNTRIES, FAVOURITE_COLOURS, FEMALE_NAMES, GAMES, JOBS, MALE_NAMES, PETS} from './text-entities.js'

/**
 * The relations of the text world, what each links, and how each is said: statement templates (the
 * pool's sentences and the tiny suite's completion prompts) and a question (its short-answer items).
 */

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
