import {getBenchmark} from '../../benchmarks/registry.js'
import {DcbError} from '../../errors.js'
import {getRecipe} from '../../tracks/registry.js'
import type {ProgressListener} from '../../ui/progress.js'
import {poolScale} from './out-dir.js'

/** `bench reshard`: the subset's training data in the benchmark's training format. */
export interface ReshardOptions {
  benchmark: string
  /** The recipe scale; defaults to the scale recorded in `POOL/pool.json` (synthetic pools). DCLM needs it. */
  scale?: string
  subsetFile: string
  poolDir: string
  outDir: string
  /** DCLM: a tokenizer.json for a recipe tokenizer dcbench does not ship. */
  tokenizerFile?: string
  /** Samples (DataComp) or sequences (DCLM) per output shard; defaults are upstream's 10,000 / 8,192. */
  shardSize?: number
  onProgress?: ProgressListener
  tracksDir?: string
}

/** What `reshard` did; the same facts as the folder's manifest. */
export interface ReshardResult {
  benchmark: string
  scale: string | null
  out: string
  subset_fingerprint: string
  /** Records of the subset, repeats counted. */
  subset_size: number
  /** Samples (DataComp) or documents (DCLM) written, repeats counted. */
  output_count: number
  /** Subset records not found in the pool. */
  missing: number
  shards: number
  /** DCLM: sequences of seq_len + 1 tokens and the tokens in them. */
  sequences?: number
  tokens?: number
  /** Shards kept from an interrupted earlier run. */
  resumed_shards: number
  already_complete: boolean
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
  })
  const {scale: resultScale, ...facts} = outcome
  return {benchmark: benchmark.id, scale: resultScale, out: options.outDir, ...facts, seconds: (Date.now() - started) / 1000}
}
