import {articleFor} from './english.js'
import type {Fact, Person} from './text-facts.js'
import {RELATION_SPECS, type Relation} from './text-relations.js'

/**
 * Facts said in English: statements from their relation's templates (a name or a pronoun for the
 * subject, the article the object takes), completion items cut before the object, and questions.
 */

/** Options for saying a fact. */
export interface StatementOptions {
  /** Which of the relation's templates (default 0). */
  template?: number
  /** Say the subject as a pronoun (She / He / It) instead of its name. */
  pronoun?: 'she' | 'he' | 'it'
}

/** A fact as a sentence, e.g. "Alice lives in Paris." or "Her pet is a dog.". */
export function statementFor(fact: Fact, options: StatementOptions = {}): string {
  return fillObject(fillSubject(templateOf(fact.relation, options.template ?? 0), fact.subject, options.pronoun), fact.object)
}

/**
 * A language-modelling item from a fact: the context up to the object and the continuation (with its
 * leading space and article, without the final period): "Alice works as" → " an engineer".
 */
export function completionFor(fact: Fact, template = 0): {context: string; continuation: string} {
  const filled = fillSubject(templateOf(fact.relation, template), fact.subject)
  const cut = filled.search(/ \{a\}| \{o\}/)
  const context = filled.slice(0, cut)
  const continuation = fillObject(filled.slice(cut), fact.object).replace(/\.$/, '')
  return {context, continuation}
}

/** The question of a fact, e.g. "Where does Alice live?". Its short answer is `fact.object`. */
export function questionFor(fact: Fact): string {
  return RELATION_SPECS[fact.relation].question.replace('{s}', fact.subject)
}

/** The pronoun documents use for a person. */
export function pronounOf(person: Person): 'she' | 'he' {
  return person.gender === 'female' ? 'she' : 'he'
}

/** Template `index` of a relation, counting round when it is past the last. */
function templateOf(relation: Relation, index: number): string {
  const {templates} = RELATION_SPECS[relation]
  return templates[index % templates.length] as string
}

/** The subject and possessive forms of each pronoun, as a sentence starts with them. */
const PRONOUN_FORMS = {she: ['She', 'Her'], he: ['He', 'His'], it: ['It', 'Its']} as const

function fillSubject(template: string, subject: string, pronoun?: 'she' | 'he' | 'it'): string {
  if (!pronoun) return template.replace('{s_poss}', `${subject}'s`).replace('{s}', subject)
  const [nominative, possessive] = PRONOUN_FORMS[pronoun]
  return template.replace('{s_poss}', possessive).replace('{s}', nominative)
}

/** Fills a template's object: `{a}` its article, `{o}` the object itself. */
function fillObject(text: string, object: string): string {
  return text.replace('{a}', articleFor(object)).replace('{o}', object)
}
