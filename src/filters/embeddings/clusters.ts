import {kmeans} from 'ml-kmeans'

import {UID_RECORD_WORDS, writeUidHex} from '../../pool/uid.js'
import {DcbError} from '../../errors.js'
import {createRng} from '../../util/rng.js'
import type {EmbeddingBatch} from '../builtin-types.js'
import type {CentroidSet} from './nearest-centroid.js'
import type {RowSpill} from './row-spill.js'

/**
 * The memory-bounded half of embedding-based pruning: a seeded sample for k-means, and one streamed
 * pass that assigns every row to its nearest centroid (cosine) and keeps only a uid (16 bytes), a
 * label and a distance per row — 24 bytes a sample, whatever the embedding width. The methods
 * (src/filters/embeddings/methods.ts) then work from these, re-reading rows only where they must.
 */

/** Where the embeddings come from: a fresh stream of the pool's rows, in pool order, each time it is called. */
export type EmbeddingSource = (batchRows: number) => AsyncGenerator<EmbeddingBatch>

/** Rows decoded at a time: 2048 × 768 float32 = 6 MiB. */
export const BATCH_ROWS = 2048

/** Every row's cluster and cosine distance to its centroid. */
export interface Assignment {
  count: number
  dim: number
  /** `count × 4` words: the uids, as the subset writer stores them. */
  uids: Uint32Array
  labels: Int32Array
  /** 1 − cos(row, its centroid), in float64. */
  distance: Float64Array
}

/** L2-normalises rows in place (a zero row stays zero). */
export function normalizeRows(rows: Float32Array, dim: number): Float32Array {
  for (let i = 0; i < rows.length; i += dim) {
    let norm = 0
    for (let k = 0; k < dim; k++) norm += (rows[i + k] as number) ** 2
    norm = Math.sqrt(norm)
    if (norm > 0) for (let k = 0; k < dim; k++) rows[i + k] = (rows[i + k] as number) / norm
  }
  return rows
}

/**
 * Up to `size` rows drawn uniformly (reservoir sampling, seeded), normalised: what k-means is fitted
 * on, so fitting costs the same memory for any pool. Rows where `keep` is false are skipped.
 */
export async function sampleRows(source: EmbeddingSource, size: number, seed: number, keep?: Uint8Array): Promise<{rows: Float32Array; dim: number; count: number}> {
  const rng = createRng(`dcbench-kmeans-sample:${seed}`)
  let reservoir: Float32Array | undefined
  let dim = 0
  let seen = 0
  let row = 0
  for await (const batch of source(BATCH_ROWS)) {
    dim = batch.dim
    reservoir ??= new Float32Array(size * dim)
    for (let i = 0; i < batch.uids.length; i++, row++) {
      if (keep && !keep[row]) continue
      const slot = seen < size ? seen : rng.int(seen + 1)
      seen++
      if (slot < size) reservoir.set(batch.rows.subarray(i * dim, (i + 1) * dim), slot * dim)
    }
  }
  const count = Math.min(seen, size)
  return {rows: normalizeRows((reservoir ?? new Float32Array(0)).subarray(0, count * dim), dim), dim, count}
}

/**
 * Spherical k-means on a sample: ml-kmeans (k-means++ initialisation, seeded) on the normalised rows,
 * the centroids normalised after (faiss's `spherical=True`, which SemDeDup uses, renormalises every
 * iteration instead; both put centroids on the unit sphere).
 */
export function fitCentroids(sample: {rows: Float32Array; dim: number; count: number}, k: number, seed: number): CentroidSet {
  if (!Number.isInteger(k) || k < 1) throw new DcbError('DCB_FILTER_USAGE', `--clusters must be a whole number ≥ 1, got ${k}`)
  if (sample.count < k) throw new DcbError('DCB_FILTER_USAGE', `--clusters ${k} is more than the ${sample.count} samples there are to cluster`)
  const data: number[][] = []
  for (let i = 0; i < sample.count; i++) data.push(Array.from(sample.rows.subarray(i * sample.dim, (i + 1) * sample.dim)))
  const result = kmeans(data, k, {initialization: 'kmeans++', seed, maxIterations: 100})
  const flat = Float32Array.from(result.centroids.flat())
  return {count: k, dim: sample.dim, data: normalizeRows(flat, sample.dim)}
}

/**
 * One pass over the pool: each row's nearest centroid by cosine (first on a tie) and its distance.
 * With `spill`, every row is also appended to it as read (SemDeDup reads clusters back from there).
 */
export async function assignRows(source: EmbeddingSource, centroids: CentroidSet, spill?: RowSpill): Promise<Assignment> {
  const norms = new Float64Array(centroids.count)
  for (let j = 0; j < centroids.count; j++) {
    let s = 0
    for (let k = 0; k < centroids.dim; k++) s += (centroids.data[j * centroids.dim + k] as number) ** 2
    norms[j] = Math.sqrt(s) || 1
  }
  let capacity = 1024
  let uids = new Uint32Array(capacity * UID_RECORD_WORDS)
  let labels = new Int32Array(capacity)
  let distance = new Float64Array(capacity)
  let count = 0
  const dim = centroids.dim
  for await (const batch of source(BATCH_ROWS)) {
    if (batch.dim !== dim) throw new DcbError('DCB_EMBEDDINGS', `embeddings have ${batch.dim} dimensions but the centroids have ${dim}`)
    spill?.append(batch.rows.subarray(0, batch.uids.length * dim), dim)
    for (let i = 0; i < batch.uids.length; i++) {
      if (count === capacity) {
        capacity *= 2
        uids = grow(uids, capacity * UID_RECORD_WORDS)
        labels = grow(labels, capacity)
        distance = grow(distance, capacity)
      }
      let norm = 0
      for (let k = 0; k < dim; k++) norm += (batch.rows[i * dim + k] as number) ** 2
      norm = Math.sqrt(norm) || 1
      let best = -1
      let bestCos = Number.NEGATIVE_INFINITY
      for (let j = 0; j < centroids.count; j++) {
        let dot = 0
        for (let k = 0; k < dim; k++) dot += (batch.rows[i * dim + k] as number) * (centroids.data[j * dim + k] as number)
        const cos = dot / (norm * (norms[j] as number))
        if (cos > bestCos || best < 0) {
          best = j
          bestCos = cos
        }
      }
      if (!writeUidHex(batch.uids[i] as string, uids, count)) throw new DcbError('DCB_FILTER_POOL', `not a hex uid in the pool: ${JSON.stringify(batch.uids[i])}`)
      labels[count] = best
      distance[count] = 1 - bestCos
      count++
    }
  }
  return {count, dim, uids: uids.subarray(0, count * UID_RECORD_WORDS), labels: labels.subarray(0, count), distance: distance.subarray(0, count)}
}

function grow<T extends Uint32Array | Int32Array | Float64Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(length)
  bigger.set(array)
  return bigger
}

/** The members of each cluster (row indices, ascending), for `rows` where `keep` is set (all when absent). */
export function clusterMembers(assignment: Assignment, clusters: number, keep?: Uint8Array): Int32Array[] {
  const sizes = new Int32Array(clusters)
  for (let i = 0; i < assignment.count; i++) if (!keep || keep[i]) sizes[assignment.labels[i] as number]!++
  const members = Array.from(sizes, (n) => new Int32Array(n))
  const filled = new Int32Array(clusters)
  for (let i = 0; i < assignment.count; i++) {
    if (keep && !keep[i]) continue
    const c = assignment.labels[i] as number
    members[c]![filled[c]!++] = i
  }
  return members
}

/**
 * Rows of each cluster, hardest first: distance to the centroid descending, ties in pool order
 * (SemDeDup's sort_clusters.py with `keep_hard`: Python's stable `sorted(..., reverse=True)`).
 */
export function hardestFirst(assignment: Assignment, members: Int32Array): Int32Array {
  const order = Array.from(members)
  order.sort((a, b) => (assignment.distance[b] as number) - (assignment.distance[a] as number) || a - b)
  return Int32Array.from(order)
}
