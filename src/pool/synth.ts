import {mkdir, readdir, rename, rm, stat, writeFile} from 'node:fs/promises'
import {relative} from 'node:path'

import {getBenchmark} from '../benchmarks/registry.js'
import {DcbError} from '../errors.js'
import {getRecipe} from '../tracks/registry.js'
import type {SynthesisEstimate} from '../benchmarks/benchmark.js'
import type {ProgressListener} from '../ui/progress.js'
import {removeStaleTemps, tempPathFor} from '../util/atomic-write.js'
import {harnessVersion} from '../util/paths.js'

export interface SynthPoolOptions {
  benchmark: string
  scale: string
  /** Output folder; must not exist or be empty. */
  out: string
  /** Default 0. */
  seed?: number
  onProgress?: ProgressListener
  /** Stops the synthesis (Ctrl-C): its partial folder is removed and DCB_POOL_INTERRUPTED says so. */
  signal?: AbortSignal
}

/** What a synthesis of this benchmark and scale will make, stated before it starts (`bench pool synth`). */
export interface SynthPoolPlan extends SynthesisEstimate {
  benchmark: string
  scale: string
  /** What `records` counts (`samples`, `documents`). */
  unit: string
}

/** The size of the pool `synthesizePool` would make, from the adapter's estimate; nothing is written. */
export function planSynthPool(options: {benchmark: string; scale: string}): SynthPoolPlan {
  const benchmark = getBenchmark(options.benchmark)
  const recipe = getRecipe({benchmark: options.benchmark, scale: options.scale})
  if (!benchmark.pool.synthesize) throw new DcbError('DCB_NOT_AVAILABLE', `benchmark '${benchmark.id}' cannot synthesize pools`)
  return {benchmark: benchmark.id, scale: recipe.scale, unit: benchmark.nouns.records, ...benchmark.pool.synthesize.estimate(recipe)}
}

/**
 * What `bench pool synth` made; also written to `OUT/pool.json`. Beside the common fields, each
 * benchmark reports its own facts (DataComp: `image_size`; DCLM: `words`, `token_budget`,
 * `world_seed`).
 */
export interface SynthPoolResult {
  benchmark: string
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
  [fact: string]: unknown
  seconds: number
}

/**
 * Generates a deterministic synthetic candidate pool for a benchmark and scale in the real on-disk
 * format (docs/contracts.md), sized from the scale (its adapter's `pool.synthesize`). Written into a
 * temp folder beside `out` and renamed into place at the end, so a failed or interrupted run leaves
 * nothing (not resumable: generating again from the start gives the same bytes).
 */
export async function synthesizePool(options: SynthPoolOptions): Promise<SynthPoolResult> {
  const benchmark = getBenchmark(options.benchmark)
  const recipe = getRecipe({benchmark: options.benchmark, scale: options.scale})
  if (!benchmark.pool.synthesize) throw new DcbError('DCB_NOT_AVAILABLE', `benchmark '${benchmark.id}' cannot synthesize pools`)
  const seed = options.seed ?? 0
  if (!Number.isSafeInteger(seed) || seed < 0) throw new DcbError('DCB_USAGE', `--seed ${seed}: expected a non-negative integer`)
  const existing = await stat(options.out).catch(() => undefined)
  if (existing && (!existing.isDirectory() || (await readdir(options.out)).length > 0)) {
    throw new DcbError('DCB_OUTPUT_EXISTS', `output ${options.out} already exists and is not an empty folder`, {suggestions: ['choose a new --out folder or remove this one']})
  }
  const started = Date.now()
  await removeStaleTemps(options.out)
  const temp = tempPathFor(options.out)
  await mkdir(temp, {recursive: true})
  let done = 0
  // the generators report progress often: the place to notice a stop without changing each of them
  const onProgress: ProgressListener = (event) => {
    if (options.signal?.aborted) throw new Interrupted()
    done = event.done
    options.onProgress?.(event)
  }
  try {
    const made = await benchmark.pool.synthesize.run({scale: recipe, dir: temp, seed, onProgress})
    const clean = made.qualities.clean ?? 0
    const identity = {benchmark: benchmark.id, scale: recipe.scale, seed, generator: `dcbench ${harnessVersion()} pool synth`}
    const contents = {
      count: made.count,
      qualities: made.qualities,
      junk_fraction: 1 - clean / made.count,
      files: made.files.map((f) => relative(temp, f)),
      ...made.facts,
    }
    await writeFile(`${temp}/pool.json`, `${JSON.stringify({...identity, ...contents, ...made.manifest}, null, 2)}\n`)
    if (existing) await rm(options.out, {recursive: true})
    await rename(temp, options.out)
    return {...identity, out: options.out, ...contents, seconds: (Date.now() - started) / 1000}
  } catch (error) {
    await rm(temp, {recursive: true, force: true})
    if (options.signal?.aborted) {
      throw new DcbError('DCB_POOL_INTERRUPTED', `pool synth ${options.out}: interrupted after ${done} ${benchmark.pool.synthesize.unit}; removed its partial folder ${temp}, nothing was kept`, {
        suggestions: ['run the same command again: the pool is generated from the start (same seed, same bytes)'],
      })
    }
    throw error
  }
}

/** Thrown from the progress listener to unwind a generator that was asked to stop. */
class Interrupted extends Error {}
