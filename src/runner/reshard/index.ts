import {DcbError} from '../../errors.js'
import {getRecipe, parseBenchmark, type Benchmark} from '../../tracks/index.js'
import type {ProgressListener} from '../../ui/progress.js'
import {reshardDataComp} from './datacomp.js'
import {reshardDclm} from './dclm.js'
import {poolScale} from './out-dir.js'

export {DATACOMP_MANIFEST_FORMAT, DATACOMP_SHARD_SIZE, type DataCompManifest} from './datacomp.js'
export {DCLM_SEQUENCES_PER_SHARD, TOKENIZED_FORMAT, type TokenizedManifest} from './dclm.js'

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
  benchmark: Benchmark
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
  /** DataComp: shards kept from an interrupted earlier run. */
  resumed_shards: number
  already_complete: boolean
  seconds: number
}

/** Reshards (DataComp) or tokenizes and shuffles (DCLM) a subset of a pool into training shards. */
export async function reshard(options: ReshardOptions): Promise<ReshardResult> {
  const started = Date.now()
  const benchmark = parseBenchmark(options.benchmark)
  const scale = options.scale ?? (await poolScale(options.poolDir))
  if (benchmark === 'datacomp') {
    if (scale !== undefined) getRecipe({benchmark, scale, tracksDir: options.tracksDir})
    const result = await reshardDataComp({subsetFile: options.subsetFile, poolDir: options.poolDir, outDir: options.outDir, scale, shardSize: options.shardSize, onProgress: options.onProgress})
    const m = result.manifest
    return {
      benchmark, scale: m.scale, out: options.outDir, subset_fingerprint: m.subset.fingerprint, subset_size: m.subset.size, output_count: m.output_count,
      missing: m.missing, shards: m.shards.length, resumed_shards: result.resumedShards, already_complete: result.alreadyComplete, seconds: (Date.now() - started) / 1000,
    }
  }
  if (scale === undefined) {
    throw new DcbError('DCB_RESHARD_SCALE', `DCLM pool ${options.poolDir}: no --scale given and no pool.json naming one; the scale picks the tokenizer and sequence length`, {suggestions: ['pass --scale (see bench tracks list)']})
  }
  const recipe = getRecipe({benchmark, scale, tracksDir: options.tracksDir})
  if (recipe.benchmark !== 'dclm') throw new Error('unreachable')
  const result = await reshardDclm({subsetFile: options.subsetFile, poolDir: options.poolDir, outDir: options.outDir, recipe, tokenizerFile: options.tokenizerFile, sequencesPerShard: options.shardSize, onProgress: options.onProgress})
  const m = result.manifest
  return {
    benchmark, scale, out: options.outDir, subset_fingerprint: m.subset.fingerprint, subset_size: m.subset.size, output_count: m.documents, missing: m.missing,
    shards: m.shards.length, sequences: m.sequences, tokens: m.tokens, resumed_shards: 0, already_complete: result.alreadyComplete, seconds: (Date.now() - started) / 1000,
  }
}
