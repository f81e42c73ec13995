import {readdir, rm, stat} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import type {Benchmark, ReshardOutcome, ReshardRunOptions} from '../../benchmarks/benchmark.js'
import {getBenchmark} from '../../benchmarks/registry.js'
import {DcbError} from '../../errors.js'
import {largestRecordLimit, recordLimitOf} from '../../subset/scale-limit.js'
import {getRecipe} from '../../tracks/registry.js'
import {poolScale} from './out-dir.js'

/** `bench reshard`: the subset's training data in the benchmark's training format. */
export interface ReshardOptions extends Omit<ReshardRunOptions<unknown, unknown>, 'scale' | 'recordLimit'> {
  benchmark: string
  /** The recipe scale; defaults to the scale recorded in `POOL/pool.json` (synthetic pools). DCLM needs it. */
  scale?: string
  tracksDir?: string
}

/** What `reshard` did: the benchmark's facts of the folder's manifest, where it went, how long it took. */
export interface ReshardResult extends ReshardOutcome {
  benchmark: string
  out: string
  seconds: number
}

/**
 * Reshards (DataComp) or tokenizes and shuffles (DCLM) a subset of a pool into training shards,
 * with the benchmark's resharder (its adapter's `reshard`).
 */
export async function reshard(options: ReshardOptions): Promise<ReshardResult> {
  const started = Date.now()
  const {benchmark, resharder, run} = await reshardRun(options)
  const outDir = resolve(options.outDir)
  const outExisted = (await stat(outDir).catch(() => undefined)) !== undefined
  const outcome = await resharder.run(run)
  const refusal = refuseOutcome(outcome, benchmark, options)
  if (refusal) {
    // training data made from a refused subset must not stay behind for `bench train` to pick up
    if (!outcome.already_complete) await discardOutput(outDir, outExisted)
    throw refusal
  }
  return result(benchmark, options, outcome, started)
}

/**
 * What `reshard` reports where OUT already holds this subset's finished training data — the
 * resharder's own check (its adapter's `reshard.complete`), writing nothing — or undefined where OUT
 * does not. `bench reshard --executor slurm` asks it first: a finished folder is then a no-op that
 * submits nothing, as a local reshard of it is.
 */
export async function completeReshard(options: ReshardOptions): Promise<ReshardResult | undefined> {
  const started = Date.now()
  const {benchmark, resharder, run} = await reshardRun(options)
  const outcome = await resharder.complete(run)
  if (!outcome) return undefined
  const refusal = refuseOutcome(outcome, benchmark, options)
  if (refusal) throw refusal
  return result(benchmark, options, outcome, started)
}

function result(benchmark: Benchmark, options: ReshardOptions, outcome: ReshardOutcome, started: number): ReshardResult {
  const {scale, ...facts} = outcome
  return {benchmark: benchmark.id, scale, out: options.outDir, ...facts, seconds: (Date.now() - started) / 1000}
}

/** The benchmark, its resharder and the options its resharder takes (the recipe of the scale, the subset's record limit). */
export async function reshardRun(options: ReshardOptions): Promise<{benchmark: Benchmark; resharder: NonNullable<Benchmark['reshard']>; run: Parameters<NonNullable<Benchmark['reshard']>["run"]>[0]}> {
  const benchmark = getBenchmark(options.benchmark)
  if (!benchmark.reshard) throw new DcbError('DCB_NOT_AVAILABLE', `benchmark '${benchmark.id}' has no resharder`)
  const scale = options.scale ?? (await poolScale(options.poolDir))
  const recipe = scale === undefined ? undefined : getRecipe({benchmark: benchmark.id, scale, tracksDir: options.tracksDir})
  const run = {
    scale: recipe, subsetFile: options.subsetFile, poolDir: options.poolDir, outDir: options.outDir,
    tokenizerFile: options.tokenizerFile, shardSize: options.shardSize, onProgress: options.onProgress,
    // the scale's budget caps the subset; without a scale, the largest of the benchmark's scales
    recordLimit: recipe ? recordLimitOf(recipe) : largestRecordLimit({benchmark: benchmark.id, tracksDir: options.tracksDir}),
  }
  return {benchmark, resharder: benchmark.reshard, run}
}

/**
 * A reshard whose result is empty, or made from subset records the pool never had (what `bench
 * subset validate` rejects against the pool's index), fails: training on it would not train the
 * subset. Records a downloaded pool lost (failed downloads) stay a warning, as in the official resharder.
 */
function refuseOutcome(outcome: ReshardOutcome, benchmark: Benchmark, options: ReshardOptions): DcbError | undefined {
  const {record, records} = benchmark.nouns
  const count = (n: number): string => `${n} ${n === 1 ? record : records}`
  const hint = `check the subset against this pool's index: bench pool index ${options.poolDir} --out pool.uidx, then bench subset validate ${options.subsetFile} --benchmark ${benchmark.id} --scale SCALE --pool pool.uidx`
  if (outcome.output_count === 0) {
    const what = outcome.subset_size === 0 ? 'the subset is empty' : `none of its ${count(outcome.subset_size)} is in the pool`
    return new DcbError('DCB_RESHARD_SUBSET', `subset ${options.subsetFile}: selects no ${records} of pool ${options.poolDir} (${what}); no training data written`, {suggestions: [hint]})
  }
  if (outcome.missing > 0 && outcome.pool_complete) {
    const are = outcome.missing === 1 ? 'is' : 'are'
    return new DcbError('DCB_RESHARD_SUBSET', `subset ${options.subsetFile}: ${outcome.missing} of its ${count(outcome.subset_size)} ${are} not in pool ${options.poolDir}, which lacks none of its source's ${records}; no training data written`, {suggestions: [hint]})
  }
  return undefined
}

/** Removes what this run wrote: the folder it created, or the contents of the empty folder it was given. */
export async function discardOutput(outDir: string, existed: boolean): Promise<void> {
  if (!existed) return rm(outDir, {recursive: true, force: true})
  for (const name of await readdir(outDir).catch(() => [])) await rm(join(outDir, name), {recursive: true, force: true})
}
