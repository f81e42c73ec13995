import {existsSync, readFileSync} from 'node:fs'
import {mkdir, rename, rm, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {tempPathFor} from '../../util/atomic-write.js'
import {createRng, type Rng} from '../../util/rng.js'
import {buildTextWorld, completionFor, questionFor, relationObjects, RELATION_SPECS, statementFor, type Fact, type TextWorld} from '../../world/index.js'

/**
 * The tiny suite's task files (evaluators/dclm-tiny/suite.yaml), generated from the tiny text world in
 * llm-foundry's ICL JSONL format, so they run through exactly the readers, prompt construction and
 * metrics of the real suite:
 *
 * - `tiny/fact_completion.jsonl` (language_modeling): `{context: "Alice works as", continuation: "an engineer", category: "works_as"}`, one per fact;
 * - `tiny/fact_choice.jsonl` (multiple_choice): the same contexts with the true object and three other objects of the relation;
 * - `tiny/who_schema.jsonl` (schema): two subjects as context options, a statement true of one of them as the shared continuation;
 * - `tiny/questions.jsonl` (generation_task_with_answers): `{context: "Where does Alice live?", answer: "Paris"}`.
 *
 * Deterministic in (world seed, TINY_SUITE_VERSION); items are drawn from their own random stream
 * (`tiny-icl:<seed>`), never from the pool's.
 */

/** Bumped whenever the generated files change; part of the cache folder's name. */
export const TINY_SUITE_VERSION = 1

const COUNTS = {choice: 200, schema: 150, questions: 150}

/** The JSON lines of each task file, keyed by path relative to the data folder. */
export function tinyTaskFiles(worldSeed: number): Record<string, string[]> {
  const world = buildTextWorld(worldSeed)
  const rng = createRng(`tiny-icl:${worldSeed}`)
  return {
    'tiny/fact_completion.jsonl': factCompletion(world, rng.fork('completion')),
    'tiny/fact_choice.jsonl': factChoice(world, rng.fork('choice')),
    'tiny/who_schema.jsonl': whoSchema(world, rng.fork('schema')),
    'tiny/questions.jsonl': questions(world, rng.fork('questions')),
  }
}

/**
 * Makes sure the tiny task files for `worldSeed` exist under `cacheDir` (generating them on first use,
 * atomically) and returns the data folder to read them from.
 */
export async function ensureTinySuiteData(cacheDir: string, worldSeed: number): Promise<string> {
  const dir = join(cacheDir, `dclm-tiny-v${TINY_SUITE_VERSION}-world${worldSeed}`)
  const marker = join(dir, 'tiny-suite.json')
  if (existsSync(marker)) {
    try {
      const info = JSON.parse(readFileSync(marker, 'utf8')) as {version?: number; world_seed?: number}
      if (info.version === TINY_SUITE_VERSION && info.world_seed === worldSeed) return dir
    } catch {
      // regenerate below
    }
  }
  const temp = tempPathFor(dir)
  await rm(temp, {recursive: true, force: true})
  for (const [rel, lines] of Object.entries(tinyTaskFiles(worldSeed))) {
    await mkdir(dirname(join(temp, rel)), {recursive: true})
    await writeFile(join(temp, rel), lines.map((l) => `${l}\n`).join(''))
  }
  await writeFile(join(temp, 'tiny-suite.json'), `${JSON.stringify({generator: 'tiny-world-icl', version: TINY_SUITE_VERSION, world_seed: worldSeed}, null, 2)}\n`)
  await mkdir(dirname(dir), {recursive: true})
  await rm(dir, {recursive: true, force: true})
  await rename(temp, dir)
  return dir
}

function factCompletion(world: TextWorld, rng: Rng): string[] {
  return world.facts.map((fact) => {
    const {context, continuation} = completionFor(fact, rng.int(RELATION_SPECS[fact.relation].templates.length))
    return JSON.stringify({context, continuation: continuation.trim(), category: fact.relation})
  })
}

function distractors(fact: Fact, rng: Rng, count: number): string[] {
  const others = relationObjects(fact.relation).filter((o) => o !== fact.object && o !== fact.subject)
  return rng.shuffle(others).slice(0, count)
}

function factChoice(world: TextWorld, rng: Rng): string[] {
  return rng.shuffle(world.facts).slice(0, COUNTS.choice).map((fact) => {
    const template = rng.int(RELATION_SPECS[fact.relation].templates.length)
    const objects = [fact.object, ...distractors(fact, rng, 3)]
    const order = rng.shuffle(objects)
    const query = completionFor(fact, template).context
    const choices = order.map((object) => completionFor({...fact, object}, template).continuation.trim())
    return JSON.stringify({query, choices, gold: order.indexOf(fact.object)})
  })
}

function whoSchema(world: TextWorld, rng: Rng): string[] {
  const lines: string[] = []
  const facts = rng.shuffle(world.facts)
  for (const fact of facts) {
    if (lines.length === COUNTS.schema) break
    const spec = RELATION_SPECS[fact.relation]
    const templates = spec.templates.map((t, i) => ({t, i})).filter(({t}) => t.startsWith('{s} '))
    if (templates.length === 0) continue
    // another subject of the same kind for whom the statement is false
    const subjects = (spec.subject === 'person' ? world.people.map((p) => p.name) : world.cities.map((c) => c.name)).filter((s) => s !== fact.subject)
    const wrong = rng.shuffle(subjects).find((s) => !world.facts.some((f) => f.subject === s && f.relation === fact.relation && f.object === fact.object) && s !== fact.object)
    if (wrong === undefined) continue
    const template = rng.pick(templates).i
    const continuation = statementFor(fact, {template}).slice(fact.subject.length).trim()
    const options = rng.chance(0.5) ? [fact.subject, wrong] : [wrong, fact.subject]
    lines.push(JSON.stringify({context_options: options, continuation, gold: options.indexOf(fact.subject)}))
  }
  return lines
}

function questions(world: TextWorld, rng: Rng): string[] {
  return rng.shuffle(world.facts).slice(0, COUNTS.questions).map((fact) => JSON.stringify({context: questionFor(fact), answer: fact.object, aliases: []}))
}
