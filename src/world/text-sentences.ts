import {articleFor} from './english.js'
import type {Fact, Person} from './text-facts.js'
import {RELATION_SPECS} from './text-relations.js'

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
