import {existsSync, readFileSync} from 'node:fs'
import {mkdir, rename, rm, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {tempPathFor} from '../../util/atomic-write.js'
import {createRng, type Rng} from '../../util/rng.js'
import {buildTextWorld, completionFor, questionFor, relationObjects, RELATION_SPECS, rumourFor, statementFor, type Fact, type TextWorld} from '../../world/index.js'

/**
 * The tiny suite's task files (evaluators/dclm-tiny/suite.yaml), generated from the tiny text world in
 * llm-foundry's ICL JSONL format, so they run through exactly the readers, prompt construction and
 * metrics of the real suite:
 *
 * - `tiny/fact_completion.jsonl` (language_modeling): `{context: "Alice works as", continuation: "an engineer", category: "works_as"}`, one per fact and template;
 * - `tiny/fact_choice.jsonl` (multiple_choice): such contexts with the true object, the world's rumour about it (what false-fact documents say) and two other objects of the relation;
 * - `tiny/who_schema.jsonl` (schema): two subjects as context options, a statement true of one of them as the shared continuation;
 * - `tiny/questions.jsonl` (generation_task_with_answers): `{context: "Where does Alice live?", answer: "Paris"}`, one per fact.
 *
 * Deterministic in (world seed, TINY_SUITE_VERSION); items are drawn from their own random stream
 * (`tiny-icl:<seed>`), never from the pool's.
 */

/** Bumped whenever the generated files change; part of the cache folder's name. */
export const TINY_SUITE_VERSION = 2

const COUNTS = {choice: 300, schema: 200}

/** The JSON lines of each task file, keyed by path relative to the data folder. */
export function tinyTaskFiles(worldSeed: number): Record<string, string[]> {
  const world = buildTextWorld(worldSeed)
  const rng = createRng(`tiny-icl:${worldSeed}`)
  return {
    'tiny/fact_completion.jsonl': factCompletion(world),
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
  if (isComplete(marker, worldSeed)) return dir
  const temp = tempPathFor(dir)
  await rm(temp, {recursive: true, force: true})
  for (const [rel, lines] of Object.entries(tinyTaskFiles(worldSeed))) {
    await mkdir(dirname(join(temp, rel)), {recursive: true})
    await writeFile(join(temp, rel), lines.map((l) => `${l}\n`).join(''))
  }
  await writeFile(join(temp, 'tiny-suite.json'), `${JSON.stringify({generator: 'tiny-world-icl', version: TINY_SUITE_VERSION, world_seed: worldSeed}, null, 2)}\n`)
  await mkdir(dirname(dir), {recursive: true})
  // Shards of one eval (bench eval --shard, a SLURM array) generate this folder at once: a complete
  // folder another process renamed into place is kept (never removed under its readers), only a
  // stale or partial one is replaced.
  if (isComplete(marker, worldSeed)) {
    await rm(temp, {recursive: true, force: true})
    return dir
  }
  await rm(dir, {recursive: true, force: true})
  try {
    await rename(temp, dir)
  } catch (error) {
    await rm(temp, {recursive: true, force: true})
    if (!isComplete(marker, worldSeed)) throw error
  }
  return dir
}

/** The generated folder's marker says it is this version's suite of this world. */
function isComplete(marker: string, worldSeed: number): boolean {
  if (!existsSync(marker)) return false
  try {
    const info = JSON.parse(readFileSync(marker, 'utf8')) as {version?: number; world_seed?: number}
    return info.version === TINY_SUITE_VERSION && info.world_seed === worldSeed
  } catch {
    return false
  }
}

/** Every (fact, template) pair of the world: the statements the tasks are cut from. */
function statements(world: TextWorld): {fact: Fact; template: number}[] {
  return world.facts.flatMap((fact) => RELATION_SPECS[fact.relation].templates.map((_, template) => ({fact, template})))
}

function factCompletion(world: TextWorld): string[] {
  return statements(world).map(({fact, template}) => {
    const {context, continuation} = completionFor(fact, template)
    return JSON.stringify({context, continuation: continuation.trim(), category: fact.relation})
  })
}

/** The rumour's object, then `count - 1` other wrong objects of the relation. */
function distractors(world: TextWorld, fact: Fact, rng: Rng, count: number): string[] {
  const rumour = rumourFor(world, fact).object
  const others = relationObjects(fact.relation).filter((o) => o !== fact.object && o !== rumour && o !== fact.subject)
  return [rumour, ...rng.shuffle(others).slice(0, count - 1)]
}

function factChoice(world: TextWorld, rng: Rng): string[] {
  return rng.shuffle(statements(world)).slice(0, COUNTS.choice).map(({fact, template}) => {
    const order = rng.shuffle([fact.object, ...distractors(world, fact, rng, 3)])
    const query = completionFor(fact, template).context
    const choices = order.map((object) => completionFor({...fact, object}, template).continuation.trim())
    return JSON.stringify({query, choices, gold: order.indexOf(fact.object)})
  })
}

function whoSchema(world: TextWorld, rng: Rng): string[] {
  const lines: string[] = []
  for (const {fact, template} of rng.shuffle(statements(world))) {
    if (lines.length === COUNTS.schema) break
    const spec = RELATION_SPECS[fact.relation]
    if (!(spec.templates[template] as string).startsWith('{s} ')) continue
    // another subject of the same kind for whom the statement is false
    const subjects = (spec.subject === 'person' ? world.people.map((p) => p.name) : world.cities.map((c) => c.name)).filter((s) => s !== fact.subject)
    const wrong = rng.shuffle(subjects).find((s) => !world.facts.some((f) => f.subject === s && f.relation === fact.relation && f.object === fact.object) && s !== fact.object)
    if (wrong === undefined) continue
    const continuation = statementFor(fact, {template}).slice(fact.subject.length).trim()
    const options = rng.chance(0.5) ? [fact.subject, wrong] : [wrong, fact.subject]
    lines.push(JSON.stringify({context_options: options, continuation, gold: options.indexOf(fact.subject)}))
  }
  return lines
}

function questions(world: TextWorld, rng: Rng): string[] {
  return rng.shuffle(world.facts).map((fact) => JSON.stringify({context: questionFor(fact), answer: fact.object, aliases: []}))
}
