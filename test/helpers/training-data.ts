import {createWriteStream} from 'node:fs'
import {copyFile, mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {pipeline} from 'node:stream/promises'
import {gzipSync} from 'node:zlib'

import tar from 'tar-stream'

import {getRecipe, resolveInfra, type RecipeBase, type ScaleRecipe} from '../../src/tracks/index.js'
import {loadTokenizer, shippedTokenizerFile} from '../../src/tokenizers/index.js'
import {createRng, type Rng} from '../../src/util/rng.js'
import {
  blankSample,
  buildTextWorld,
  cleanSample,
  cleanTextDocument,
  encodeJpeg,
  mismatchedSample,
  nondescriptiveSample,
  shuffledWordsDocument,
  spamDocument,
  boilerplateDocument,
  type ImageSample,
} from '../../src/world/index.js'

/**
 * Training data in the contract's formats (docs/contracts.md, "Training data"), made directly from the
 * tiny world — a stand-in for `bench reshard` output in trainer tests. `clean` data holds only clean
 * samples, `junk` only junk kinds.
 */
export type DataKind = 'clean' | 'junk'

function addEntry(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({name, size: data.length, mtime: new Date('2023-04-01T00:00:00Z'), mode: 0o644}, data, (error) => (error ? reject(error) : resolve()))
  })
}

function imageSample(kind: DataKind, rng: Rng): ImageSample {
  if (kind === 'clean') return cleanSample(rng)
  const pick = rng.int(3)
  return pick === 0 ? mismatchedSample(rng) : pick === 1 ? nondescriptiveSample(rng) : blankSample(rng)
}

/** DataComp training shards: `{uid}-0.{jpg,txt,json}` samples, `{:08d}_stats.json`, at most `perShard` a shard. */
export async function writeDataCompTrainingData(dir: string, options: {count: number; seed?: number; kind?: DataKind; perShard?: number}): Promise<void> {
  await mkdir(dir, {recursive: true})
  const rng = createRng(`training-data:datacomp:${options.seed ?? 0}`)
  const perShard = options.perShard ?? 10_000
  for (let shard = 0, first = 0; first < options.count; shard++, first += perShard) {
    const name = String(shard).padStart(8, '0')
    const pack = tar.pack()
    const done = pipeline(pack, createWriteStream(join(dir, `${name}.tar`)))
    const n = Math.min(perShard, options.count - first)
    for (let i = 0; i < n; i++) {
      const sample = imageSample(options.kind ?? 'clean', rng.fork(`sample-${first + i}`))
      const uid = (first + i).toString(16).padStart(32, '0')
      await addEntry(pack, `${uid}-0.jpg`, await encodeJpeg(sample.image))
      await addEntry(pack, `${uid}-0.txt`, Buffer.from(sample.caption, 'utf8'))
      await addEntry(pack, `${uid}-0.json`, Buffer.from(JSON.stringify({uid, caption: sample.caption}), 'utf8'))
    }
    pack.finalize()
    await done
    await writeFile(join(dir, `${name}_stats.json`), JSON.stringify({successes: n}))
  }
}

/**
 * DCLM training shards: documents of the tiny text world tokenized with the tiny-world tokenizer, EOT
 * after each, cut into `seq_len + 1` windows, `shard_%08d.tar` of `<n>.json.gz` lists + manifest.jsonl,
 * tokenizer.json and tokenized.json.
 */
export async function writeDclmTrainingData(dir: string, options: {sequences: number; seqLen: number; seed?: number; kind?: DataKind; perShard?: number}): Promise<void> {
  await mkdir(dir, {recursive: true})
  const tokenizerFile = shippedTokenizerFile('dcbench/tiny-world') as string
  const tokenizer = await loadTokenizer(tokenizerFile)
  const world = buildTextWorld(0)
  const rng = createRng(`training-data:dclm:${options.seed ?? 0}`)
  const windows: number[][] = []
  let stream: number[] = []
  for (let d = 0; windows.length < options.sequences; d++) {
    const r = rng.fork(`doc-${d}`)
    const junk = [shuffledWordsDocument(world, r), spamDocument(r), boilerplateDocument(r)]
    const doc = options.kind === 'junk' ? (junk[d % 3] as {text: string}) : cleanTextDocument(world, r)
    stream.push(...tokenizer.encode(doc.text), 0)
    while (stream.length >= options.seqLen + 1 && windows.length < options.sequences) {
      windows.push(stream.slice(0, options.seqLen + 1))
      stream = stream.slice(options.seqLen + 1)
    }
  }
  const perShard = options.perShard ?? 8192
  const manifest: string[] = []
  for (let shard = 0, first = 0; first < windows.length; shard++, first += perShard) {
    const name = `shard_${String(shard).padStart(8, '0')}`
    const pack = tar.pack()
    const done = pipeline(pack, createWriteStream(join(dir, `${name}.tar`)))
    const part = windows.slice(first, first + perShard)
    for (const [i, window] of part.entries()) await addEntry(pack, `${String(first + i).padStart(8, '0')}.json.gz`, gzipSync(JSON.stringify(window)))
    pack.finalize()
    await done
    manifest.push(JSON.stringify({shard: name, num_sequences: part.length}))
  }
  await writeFile(join(dir, 'manifest.jsonl'), `${manifest.join('\n')}\n`)
  await copyFile(tokenizerFile, join(dir, 'tokenizer.json'))
  await writeFile(join(dir, 'tokenized.json'), JSON.stringify({tokenizer: 'dcbench/tiny-world', seq_len: options.seqLen, eot_token_id: 0, pad_token_id: 1, sequences: windows.length}))
}

/**
 * The recipe.json the harness hands a trainer (docs/containers.md). For tests, `steps` shortens the
 * schedule (two pseudo-epochs of steps/2) and `small` shrinks batch and model; either marks the hash
 * as a test recipe's.
 */
export function recipeDocument(benchmark: string, scale = 'tiny', options: {steps?: number; small?: boolean} = {}): {doc: object; recipe: ScaleRecipe<RecipeBase, {steps: number}>} {
  const recipe = getRecipe({benchmark, scale}) as ScaleRecipe<RecipeBase, {steps: number}>
  const infra = resolveInfra(recipe)
  let inner: Record<string, unknown> = {...recipe.recipe}
  let derived: Record<string, unknown> = {...recipe.derived}
  let hash = recipe.hash
  if (options.steps !== undefined) {
    const steps = options.steps
    inner = {...inner, num_checkpoints: 2}
    derived = recipe.benchmark === 'datacomp' ? {...derived, steps, steps_per_checkpoint: Math.ceil(steps / 2)} : {...derived, steps}
    hash = `test-steps-${steps}-${hash}`
  }
  if (options.small) {
    const model = inner.model_config as Record<string, unknown>
    inner =
      recipe.benchmark === 'datacomp'
        ? {...inner, batch_size: 32, model_config: {...model, vision_width: 32, vision_heads: 2, vision_layers: 1, text_width: 32, text_heads: 2, text_layers: 1, embed_dim: 32}}
        : {...inner, global_batch_size: 8, model_config: {...model, hidden_dim: 32, n_heads: 2, n_layers: 1, seq_len: 128}}
    hash = `test-small-${hash}`
  }
  return {
    recipe,
    doc: {format: 'dcbench.recipe/1', benchmark: recipe.benchmark, scale: recipe.scale, track: 'filtering', recipe_hash: hash, recipe: inner, derived, infra},
  }
}

/** Writes RUN/recipe.json. */
export async function writeRecipe(runDir: string, benchmark: string, options: {scale?: string; steps?: number; small?: boolean} = {}): Promise<ScaleRecipe<RecipeBase, {steps: number}>> {
  const {doc, recipe} = recipeDocument(benchmark, options.scale ?? 'tiny', options)
  await mkdir(runDir, {recursive: true})
  await writeFile(join(runDir, 'recipe.json'), `${JSON.stringify(doc, null, 2)}\n`)
  return recipe
}
