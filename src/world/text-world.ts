/**
 * The tiny text world: people (each with a city, a job, a pet, a favourite colour, a game and a best
 * friend) and cities (each in a country, known for something). `buildTextWorld(seed)` draws one world
 * deterministically; its facts are data (`world.facts`) so that the pool's clean documents, the
 * false-fact junk and the tiny LM eval suite (completions, multiple choice, schema items, short-answer
 * QA) all come from the same source. Every word any generator can emit is in TEXT_VOCABULARY, so a
 * tokenizer built from it never meets an unknown word.
 *
 * One module per part, in the order they build on each other:
 * - text-entities.ts: the names, cities, countries, jobs, pets, colours, games and city features;
 * - text-relations.ts: the relations, their statement templates and questions, their possible objects;
 * - text-facts.ts: one world — its people, cities, facts and rumours (`buildTextWorld`);
 * - text-sentences.ts: a fact as a statement, a completion item or a question;
 * - text-documents.ts: clean paragraphs and documents;
 * - text-words.ts: how text splits into words, and the fixed phrases the vocabulary adds.
 */
export * from './text-entities.js'
export * from './text-relations.js'
export * from './text-facts.js'
export * from './text-sentences.js'
export * from './text-documents.js'
export * from './text-words.js'
