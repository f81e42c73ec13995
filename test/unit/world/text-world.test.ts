import {describe, expect, it} from 'vitest'

import {createRng} from '../../../src/util/rng.js'
import {
  boilerplateDocument,
  buildTextWorld,
  CITIES,
  cleanTextDocument,
  completionFor,
  falseFactsDocument,
  FEMALE_NAMES,
  PEOPLE_PER_WORLD,
  questionFor,
  RELATION_SPECS,
  RELATIONS,
  relationObjects,
  rumourFor,
  shuffledWordsDocument,
  spamDocument,
  splitWords,
  statementFor,
  TEXT_QUALITIES,
  TEXT_VOCABULARY,
  type TextWorld,
} from '../../../src/world/index.js'

/** Every true statement of a world, with the subject named, in every template. */
function trueStatements(world: TextWorld): Set<string> {
  const out = new Set<string>()
  for (const fact of world.facts) {
    for (let t = 0; t < RELATION_SPECS[fact.relation].templates.length; t++) out.add(statementFor(fact, {template: t}))
  }
  return out
}

/** Every statement (with the subject named) that could be made about a subject of the world, true or false. */
function possibleStatements(world: TextWorld): Set<string> {
  const out = new Set<string>()
  for (const fact of world.facts) {
    for (const object of relationObjects(fact.relation)) {
      for (let t = 0; t < RELATION_SPECS[fact.relation].templates.length; t++) out.add(statementFor({...fact, object}, {template: t}))
    }
  }
  return out
}

/** Sentences of a document; a question-and-answer line stays whole. */
function sentences(text: string): string[] {
  return text
    .split(/\n+/)
    .flatMap((line) => (line.startsWith('Q: ') ? [line] : (line.match(/[^.?]+[.?]/g) ?? [])))
    .map((s) => s.trim())
}

describe('text world', () => {
  it('is deterministic in the seed', () => {
    expect(buildTextWorld(5)).toEqual(buildTextWorld(5))
    expect(buildTextWorld(6).people).not.toEqual(buildTextWorld(5).people)
    const docs = (seed: number) => {
      const world = buildTextWorld(seed)
      const rng = createRng(`docs-${seed}`)
      return Array.from({length: 5}, () => cleanTextDocument(world, rng).text)
    }
    expect(docs(1)).toEqual(docs(1))
  })

  it('has PEOPLE_PER_WORLD distinct people, half of each gender, each with a best friend other than themself', () => {
    const world = buildTextWorld(11)
    expect(world.people).toHaveLength(PEOPLE_PER_WORLD)
    const names = new Set(world.people.map((p) => p.name))
    expect(names.size).toBe(PEOPLE_PER_WORLD)
    expect(world.people.filter((p) => p.gender === 'female')).toHaveLength(PEOPLE_PER_WORLD / 2)
    for (const p of world.people) {
      expect(p.bestFriend).not.toBe(p.name)
      expect(names.has(p.bestFriend)).toBe(true)
    }
    expect(world.cities.map((c) => c.name)).toEqual(CITIES)
    expect(world.facts).toHaveLength(PEOPLE_PER_WORLD * 6 + CITIES.length * 2)
    for (const relation of RELATIONS) expect(world.facts.some((f) => f.relation === relation)).toBe(true)
  })

  it('says facts as statements, completions and questions that agree with each other', () => {
    const world = buildTextWorld(3)
    for (const fact of world.facts) {
      const spec = RELATION_SPECS[fact.relation]
      for (let t = 0; t < spec.templates.length; t++) {
        const statement = statementFor(fact, {template: t})
        const {context, continuation} = completionFor(fact, t)
        expect(`${context}${continuation}.`).toBe(statement)
        expect(continuation.startsWith(' ')).toBe(true)
        expect(continuation.endsWith(fact.object)).toBe(true)
        expect(context).toContain(fact.subject)
      }
      expect(questionFor(fact)).toContain(fact.subject)
      expect(relationObjects(fact.relation)).toContain(fact.object)
    }
    expect(statementFor({subject: 'Alice', relation: 'works_as', object: 'engineer'})).toBe('Alice works as an engineer.')
    expect(statementFor({subject: 'Alice', relation: 'has_pet', object: 'dog'}, {template: 2, pronoun: 'she'})).toBe('Her pet is a dog.')
    expect(completionFor({subject: 'Alice', relation: 'lives_in', object: 'Paris'})).toEqual({context: 'Alice lives in', continuation: ' Paris'})
  })

  it('clean documents state only true facts; false-fact documents only false ones', () => {
    for (const seed of [0, 1, 2]) {
      const world = buildTextWorld(seed)
      const truths = trueStatements(world)
      const rumours = trueStatements({...world, facts: world.rumours})
      const possible = possibleStatements(world)
      const rng = createRng(`facts-${seed}`)
      for (let i = 0; i < 200; i++) {
        for (const sentence of sentences(cleanTextDocument(world, rng).text)) {
          if (/^(She|He|It|Her|His|Its) /.test(sentence)) continue // pronoun sentences: subject from context
          const qa = /^Q: (.*\?) A: (.*)\.$/.exec(sentence)
          if (qa) {
            const fact = world.facts.find((f) => questionFor(f) === qa[1] && f.object === qa[2])
            expect(fact, sentence).toBeDefined()
            continue
          }
          expect(truths.has(sentence), sentence).toBe(true)
        }
        const falseDoc = falseFactsDocument(world, rng)
        expect(falseDoc.quality).toBe('false_facts')
        for (const sentence of sentences(falseDoc.text)) {
          if (/^(She|He|Her|His) /.test(sentence)) continue
          expect(possible.has(sentence), sentence).toBe(true)
          expect(truths.has(sentence), sentence).toBe(false)
          expect(rumours.has(sentence), sentence).toBe(true)
        }
      }
    }
  })

  it('has one fixed rumour per fact: same subject and relation, a wrong object the relation allows', () => {
    for (const seed of [0, 1, 2]) {
      const world = buildTextWorld(seed)
      expect(world.rumours).toHaveLength(world.facts.length)
      const members = new Set(world.people.map((p) => p.name))
      world.facts.forEach((fact, i) => {
        const rumour = world.rumours[i]!
        expect(rumourFor(world, fact)).toBe(rumour)
        expect([rumour.subject, rumour.relation]).toEqual([fact.subject, fact.relation])
        expect(rumour.object).not.toBe(fact.object)
        expect(rumour.object).not.toBe(fact.subject)
        if (fact.relation === 'best_friend') expect(members.has(rumour.object)).toBe(true)
        else expect(relationObjects(fact.relation)).toContain(rumour.object)
      })
    }
    expect(buildTextWorld(9).rumours).toEqual(buildTextWorld(9).rumours)
  })

  it('sizes the world by its people count', () => {
    const world = buildTextWorld(2, 6)
    expect(world.people.map((p) => p.gender).sort()).toEqual(['female', 'female', 'female', 'male', 'male', 'male'])
    expect(world.facts).toHaveLength(6 * 6 + CITIES.length * 2)
    for (const count of [0, 3, 82]) expect(() => buildTextWorld(0, count)).toThrow(/even number of people/)
  })

  it('word salad carries no facts: a person and their own job co-occur as often as independence predicts', () => {
    const world = buildTextWorld(4)
    const rng = createRng('salad')
    const docs = Array.from({length: 600}, () => new Set(splitWords(shuffledWordsDocument(world, rng).text)))
    const count = (...words: string[]): number => docs.filter((d) => words.every((w) => d.has(w))).length
    let together = 0
    let expected = 0
    for (const person of world.people) {
      together += count(person.name, person.job)
      expected += (count(person.name) * count(person.job)) / docs.length
    }
    expect(expected).toBeGreaterThan(50)
    expect(together / expected).toBeGreaterThan(0.8)
    expect(together / expected).toBeLessThan(1.2)
  })

  it('junk documents carry their label and look like their kind', () => {
    const world = buildTextWorld(4)
    const rng = createRng('junk')
    const shuffled = shuffledWordsDocument(world, rng)
    expect(shuffled.quality).toBe('shuffled_words')
    expect(sentences(shuffled.text).every((s) => !trueStatements(world).has(s))).toBe(true)
    const boiler = boilerplateDocument(rng)
    expect(boiler.quality).toBe('boilerplate')
    expect(boiler.text.split('\n').length).toBeGreaterThanOrEqual(5)
    const spam = spamDocument(rng)
    expect(spam.quality).toBe('spam')
    const parts = spam.text.split('! ')
    expect(new Set(parts).size).toBeLessThanOrEqual(3)
    expect(spam.text).not.toMatch(/#/)
    expect(TEXT_QUALITIES).toEqual(['clean', 'shuffled_words', 'boilerplate', 'spam', 'false_facts'])
  })

  it('every word any generator emits is in TEXT_VOCABULARY, and every vocabulary word is emitted', () => {
    const vocabulary = new Set(TEXT_VOCABULARY)
    expect(vocabulary.size).toBe(TEXT_VOCABULARY.length)
    expect([...TEXT_VOCABULARY]).toEqual([...TEXT_VOCABULARY].sort())
    const seen = new Set<string>()
    const unknown: string[] = []
    const add = (text: string) => {
      for (const word of splitWords(text)) {
        if (!vocabulary.has(word)) unknown.push(`${word} in ${JSON.stringify(text.slice(0, 80))}`)
        seen.add(word)
      }
    }
    for (let seed = 0; seed < 12; seed++) {
      const world = buildTextWorld(seed, seed === 0 ? 2 * FEMALE_NAMES.length : PEOPLE_PER_WORLD) // seed 0: every name
      const rng = createRng(`vocab-${seed}`)
      for (let i = 0; i < 150; i++) {
        add(cleanTextDocument(world, rng).text)
        add(shuffledWordsDocument(world, rng).text)
        add(boilerplateDocument(rng).text)
        add(spamDocument(rng).text)
        add(falseFactsDocument(world, rng).text)
      }
      for (const fact of world.facts) {
        add(questionFor(fact))
        for (const pronoun of ['she', 'he', 'it'] as const) add(statementFor(fact, {pronoun}))
        for (let t = 0; t < RELATION_SPECS[fact.relation].templates.length; t++) {
          const {context, continuation} = completionFor(fact, t)
          add(context + continuation)
        }
      }
    }
    expect(unknown.slice(0, 5)).toEqual([])
    expect([...vocabulary].filter((w) => !seen.has(w))).toEqual([])
    expect(TEXT_VOCABULARY.length).toBeLessThan(1000) // fits a tiny tokenizer with room to spare
  })
})
