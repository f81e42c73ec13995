import {getBenchmark, listBenchmarks} from '../../benchmarks/registry.js'
import {DcbError} from '../../errors.js'
import {readNpyMatrix} from '../../pool/npz.js'
import {readUidHex} from '../../pool/uid.js'
import type {BuiltinFilter, BuiltinFilterOptions} from '../builtin-types.js'
import type {DataFilter, FilterContext, PoolRecord} from '../filter.js'
import {assignRows, fitCentroids, sampleRows, type Assignment, type EmbeddingSource} from './clusters.js'
import {densityPruning, sslPrototypes} from './methods.js'
import {RowSpill} from './row-spill.js'
import {semDeDup} from './semdedup.js'
import type {CentroidSet} from './nearest-centroid.js'

/**
 * The embedding-based pruning methods as built-in filters over any benchmark whose adapter serves
 * embeddings (`filter.embeddings`): semdedup, ssl-prototypes, density-pruning, d4. Each makes its
 * passes over the pool's embeddings before the first record and then keeps the uids it selected.
 */

const DEFAULT_CLUSTERS = 100
/** Rows k-means is fitted on: enough per cluster, bounded for any pool. */
const sampleSize = (k: number): number => Math.min(50_000, Math.max(2_000, 50 * k))

function usage(message: string): DcbError {
  return new DcbError('DCB_FILTER_USAGE', message, {suggestions: ['see docs/filters.md, "Embedding-based pruning"']})
}

function embeddingBenchmarks(): string[] {
  return listBenchmarks().filter((b) => b.filter?.embeddings).map((b) => b.id)
}

function sourceFor(context: FilterContext, options: BuiltinFilterOptions): EmbeddingSource {
  const spec = getBenchmark(context.benchmark).filter
  const embeddings = spec?.embeddings
  if (!embeddings) throw usage(`${context.benchmark} pools carry no embeddings yet; the embedding-based filters work on ${embeddingBenchmarks().join(', ')} pools`)
  const array = options.embedding ?? spec.defaultEmbedding
  if (!array) throw usage('say which embedding array with --embedding')
  return (batchRows) => embeddings(context.pool, array, batchRows, options.embeddingsDir)
}

function centroidError(file: string, problem: string): DcbError {
  return new DcbError('DCB_MODEL_FILE', `centroids ${file}: ${problem}`, {suggestions: ['pass a 2-D float .npy of k-means centroids (np.save), or leave --centroids out to fit them']})
}

/** The centroids: read from --centroids, or fitted (seeded k-means on a sample; rows where `keep` is 0 left out). */
async function centroidsFor(source: EmbeddingSource, context: FilterContext, options: BuiltinFilterOptions, keep?: Uint8Array): Promise<CentroidSet> {
  if (options.centroids) {
    const matrix = await readNpyMatrix(options.centroids, centroidError)
    return {count: matrix.rows, dim: matrix.dim, data: matrix.data}
  }
  const k = options.clusters ?? DEFAULT_CLUSTERS
  return fitCentroids(await sampleRows(source, sampleSize(k), context.seed, keep), k, context.seed)
}

function keepCountFor(name: string, options: BuiltinFilterOptions, count: number): number {
  const fraction = options.fraction
  if (fraction === undefined) throw usage(`filter '${name}' needs --fraction (the share of the pool to keep)`)
  if (!(fraction > 0 && fraction <= 1)) throw usage(`--fraction must be in (0, 1], got ${fraction}`)
  return Math.round(fraction * count)
}

function needEps(name: string, options: BuiltinFilterOptions): number {
  if (options.eps === undefined) throw usage(`filter '${name}' needs --eps (SemDeDup's ε, e.g. 0.05)`)
  return options.eps
}

function keepMask(name: string, description: string, assignment: Assignment, mask: Uint8Array): DataFilter<PoolRecord> {
  const keep = new Set<string>()
  for (let i = 0; i < assignment.count; i++) if (mask[i]) keep.add(readUidHex(assignment.uids, i))
  return {name, description, benchmarks: embeddingBenchmarks(), decide: (record) => keep.has(record.uid)}
}

/** The assignment pass with a scratch copy of the rows, then SemDeDup over it; the scratch file is removed after. */
async function assignAndDeduplicate(source: EmbeddingSource, centroids: CentroidSet, eps: number, options: BuiltinFilterOptions): Promise<{assignment: Assignment; kept: Uint8Array}> {
  const spill = new RowSpill()
  try {
    const assignment = await assignRows(source, centroids, spill)
    return {assignment, kept: semDeDup(spill, assignment, centroids.count, {eps, largestCluster: options.largestCluster})}
  } finally {
    spill.close()
  }
}

async function semdedupFilter(context: FilterContext, options: BuiltinFilterOptions): Promise<DataFilter<PoolRecord>> {
  const eps = needEps('semdedup', options)
  const source = sourceFor(context, options)
  const {assignment, kept} = await assignAndDeduplicate(source, await centroidsFor(source, context, options), eps, options)
  return keepMask('semdedup', `SemDeDup ε=${eps}`, assignment, kept)
}

async function prototypesFilter(context: FilterContext, options: BuiltinFilterOptions): Promise<DataFilter<PoolRecord>> {
  const source = sourceFor(context, options)
  const centroids = await centroidsFor(source, context, options)
  const assignment = await assignRows(source, centroids)
  return keepMask('ssl-prototypes', 'SSL prototypes, hardest kept', assignment, sslPrototypes(assignment, keepCountFor('ssl-prototypes', options, assignment.count)))
}

async function densityFilter(context: FilterContext, options: BuiltinFilterOptions): Promise<DataFilter<PoolRecord>> {
  const source = sourceFor(context, options)
  const centroids = await centroidsFor(source, context, options)
  const assignment = await assignRows(source, centroids)
  const keepCount = keepCountFor('density-pruning', options, assignment.count)
  const {keep} = densityPruning(assignment, centroids, {keepCount, temperature: options.temperature ?? 0.1, neighbors: 20})
  return keepMask('density-pruning', 'density-based pruning', assignment, keep)
}

/**
 * D4 (Tirumala et al. 2023): SemDeDup, then k-means again on what is left, then SSL prototypes down
 * to the kept share of the whole pool. With --centroids both clusterings use the given centroids.
 */
async function d4Filter(context: FilterContext, options: BuiltinFilterOptions): Promise<DataFilter<PoolRecord>> {
  const eps = needEps('d4', options)
  const source = sourceFor(context, options)
  const first = await centroidsFor(source, context, options)
  const {assignment, kept: deduped} = await assignAndDeduplicate(source, first, eps, options)
  const keepCount = keepCountFor('d4', options, assignment.count)
  const survivors = deduped.reduce((s, v) => s + v, 0)
  if (keepCount > survivors) throw usage(`d4: SemDeDup with ε=${eps} leaves ${survivors} samples, fewer than the ${keepCount} --fraction asks for; use a smaller ε or fraction`)
  const second = options.centroids ? first : await centroidsFor(source, context, options, deduped)
  const reassigned = second === first ? assignment : await assignRows(source, second)
  return keepMask('d4', `D4 (SemDeDup ε=${eps}, then prototypes)`, reassigned, sslPrototypes(reassigned, keepCount, deduped))
}

/** Why none of them can decide a share of the pool alone. */
const WHOLE_POOL = 'it clusters the whole pool\'s embeddings (k-means, then a selection within and across clusters)'

/** The embedding-based pruning filters by their `bench filter --filter` names. */
export const EMBEDDING_FILTERS: Readonly<Record<string, BuiltinFilter>> = {
  semdedup: {description: 'SemDeDup: drop semantic near-duplicates within k-means clusters (--eps)', wholePool: WHOLE_POOL, create: semdedupFilter},
  'ssl-prototypes': {description: 'SSL prototypes: keep the samples farthest from their cluster centroid (--fraction)', ownsFraction: true, wholePool: WHOLE_POOL, create: prototypesFilter},
  'density-pruning': {description: 'density-based pruning: per-cluster shares from cluster complexity (--fraction, --temperature)', ownsFraction: true, wholePool: WHOLE_POOL, create: densityFilter},
  d4: {description: 'D4: SemDeDup, re-cluster, then SSL prototypes (--eps, --fraction)', ownsFraction: true, wholePool: WHOLE_POOL, create: d4Filter},
}
