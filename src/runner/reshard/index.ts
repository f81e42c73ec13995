import type {ReshardOutcome, ReshardRunOptions} from '../../benchmarks/benchmark.js'
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
  const benchmark = getBenchmark(options.benchmark)
  if (!benchmark.reshard) throw new DcbError('DCB_NOT_AVAILABLE', `benchmark '${benchmark.id}' has no resharder`)
  const scale = options.scale ?? (await poolScale(options.poolDir))
  const recipe = scale === undefined ? undefined : getRecipe({benchmark: benchmark.id, scale, tracksDir: options.tracksDir})
  const outcome = await benchmark.reshard.run({
    scale: recipe, subsetFile: options.subsetFile, poolDir: options.poolDir, outDir: options.outDir,
    tokenizerFile: options.tokenizerFile, shardSize: options.shardSize, onProgress: options.onProgress,
    // the scale's budget caps the subset; without a scale, the largest of the benchmark's scales
    recordLimit: recipe ? recordLimitOf(recipe) : largestRecordLimit({benchmark: benchmark.id, tracksDir: options.tracksDir}),
  })
  const {scale: resultScale, ...facts} = outcome
  return {benchmark: benchmark.id, scale: resultScale, out: options.outDir, ...facts, seconds: (Date.now() - started) / 1000}
}
