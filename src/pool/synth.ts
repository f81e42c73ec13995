import {mkdir, readdir, rename, rm, stat, writeFile} from 'node:fs/promises'
import {relative} from 'node:path'

import {DcbError} from '../errors.js'
import {getRecipe} from '../tracks/index.js'
import type {ProgressListener} from '../ui/progress.js'
import {tempPathFor} from '../util/atomic-write.js'
import {harnessVersion} from '../util/paths.js'
import {IMAGE_SIZE} from '../world/index.js'
import {DATACOMP_QUALITY_MIX, SYNTHETIC_CLIP_SCORE, synthesizeDataComp} from './synth-datacomp.js'
import {DCLM_POOL_WORDS_PER_TOKEN, DCLM_QUALITY_MIX, synthesizeDclm} from './synth-dclm.js'

export interface SynthPoolOptions {
  benchmark: string
  scale: string
  /** Output folder; must not exist or be empty. */
  out: string
  /** Default 0. */
  seed?: number
  onProgress?: ProgressListener
}

/** What `bench pool synth` made; also written to `OUT/pool.json`. */
export interface SynthPoolResult {
  benchmark: 'datacomp' | 'dclm'
  scale: string
  seed: number
  generator: string
  out: string
  /** Samples (DataComp) or documents (DCLM). */
  count: number
  /** Count per ground-truth quality label. */
  qualities: Record<string, number>
  /** Share of everything not labelled `clean`. */
  junk_fraction: number
  /** Pool files, relative to `out`. */
  files: string[]
  /** DataComp: side of the stored images. */
  image_size?: number
  /** DCLM: words (splitWords + 1 EOT per document) — about the tokens of a word-level tokenizer. */
  words?: number
  /** DCLM: the scale's token budget the pool was sized from. */
  token_budget?: number
  /** DCLM: the documents describe `buildTextWorld(world_seed)`. */
  world_seed?: number
  seconds: number
}

/**
 * Generates a deterministic synthetic candidate pool for a benchmark and scale in the real on-disk
 * format (docs/contracts.md): DataComp with `pool_size` samples, DCLM with
 * DCLM_POOL_WORDS_PER_TOKEN × the scale's token budget in words. Written into a temp folder beside
 * `out` and renamed into place at the end, so a failed run leaves nothing.
 */
export async function synthesizePool(options: SynthPoolOptions): Promise<SynthPoolResult> {
  const recipe = getRecipe({benchmark: options.benchmark, scale: options.scale})
  const seed = options.seed ?? 0
  if (!Number.isSafeInteger(seed) || seed < 0) throw new DcbError('DCB_USAGE', `--seed ${seed}: expected a non-negative integer`)
  const existing = await stat(options.out).catch(() => undefined)
  if (existing && (!existing.isDirectory() || (await readdir(options.out)).length > 0)) {
    throw new DcbError('DCB_OUTPUT_EXISTS', `output ${options.out} already exists and is not an empty folder`, {suggestions: ['choose a new --out folder or remove this one']})
  }
  const started = Date.now()
  const temp = tempPathFor(options.out)
  await mkdir(temp, {recursive: true})
  try {
    const base = {scale: recipe.scale, seed, generator: `dcbench ${harnessVersion()} pool synth`, out: options.out}
    let result: Omit<SynthPoolResult, 'seconds'>
    if (recipe.benchmark === 'datacomp') {
      const made = await synthesizeDataComp({dir: temp, count: recipe.recipe.pool_size, seed, scale: recipe.scale, onProgress: options.onProgress})
      result = {
        benchmark: 'datacomp',
        ...base,
        count: made.count,
        qualities: made.qualities,
        junk_fraction: 1 - made.qualities.clean / made.count,
        files: [...made.shards, made.metadata].map((f) => relative(temp, f)),
        image_size: IMAGE_SIZE,
      }
    } else {
      const budget = recipe.derived.tokens
      const made = await synthesizeDclm({dir: temp, targetWords: Math.ceil(budget * DCLM_POOL_WORDS_PER_TOKEN), seed, onProgress: options.onProgress})
      result = {
        benchmark: 'dclm',
        ...base,
        count: made.count,
        qualities: made.qualities,
        junk_fraction: 1 - made.qualities.clean / made.count,
        files: made.files.map((f) => relative(temp, f)),
        words: made.words,
        token_budget: budget,
        world_seed: made.worldSeed,
      }
    }
    const full: SynthPoolResult = {...result, seconds: (Date.now() - started) / 1000}
    const mix = recipe.benchmark === 'datacomp' ? {quality_mix: DATACOMP_QUALITY_MIX, synthetic_clip_score: SYNTHETIC_CLIP_SCORE} : {quality_mix: DCLM_QUALITY_MIX}
    const {out: _out, seconds: _seconds, ...manifest} = full
    await writeFile(`${temp}/pool.json`, `${JSON.stringify({...manifest, ...mix}, null, 2)}\n`)
    if (existing) await rm(options.out, {recursive: true})
    await rename(temp, options.out)
    return full
  } catch (error) {
    await rm(temp, {recursive: true, force: true})
    throw error
  }
}
