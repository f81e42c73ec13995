import {DcbError} from '../../errors.js'
import {clusterMembers, type Assignment, type EmbeddingSource, BATCH_ROWS} from './clusters.js'
import type {CentroidSet} from './nearest-centroid.js'

/**
 * Embedding-based pruning methods over an `Assignment` (each row's cluster and cosine distance to its
 * centroid). Each returns a keep mask over the assignment's rows. docs/filters.md cites each paper
 * and lists where this deviates.
 */

/** Row bytes SemDeDup holds at once: its clusters are processed in groups under this budget. */
export const SEMDEDUP_BUDGET_BYTES = 96 * 1024 ** 2

/**
 * Rows of each cluster, hardest first: distance to the centroid descending, ties in pool order
 * (SemDeDup's `keep_hard`, Python's stable `sorted(..., reverse=True)`).
 */
function hardestFirst(assignment: Assignment, members: Int32Array): Int32Array {
  const order = Array.from(members)
  order.sort((a, b) => (assignment.distance[b] as number) - (assignment.distance[a] as number) || a - b)
  return Int32Array.from(order)
}

/**
 * SemDeDup (Abbas et al. 2023, facebookresearch/SemDeDup semdedup.py): within each cluster, rows
 * sorted hardest first; a row is removed when its inner product with any row before it exceeds
 * 1 − ε (`max(triu(X Xᵀ, 1), dim=0) > 1 − eps`). A removed row still removes the rows after it, as
 * there. Clusters are read in groups whose rows fit SEMDEDUP_BUDGET_BYTES, one pass over the pool per group.
 */
export async function semDeDup(source: EmbeddingSource, assignment: Assignment, clusters: number, eps: number, keep?: Uint8Array): Promise<Uint8Array> {
  if (!(eps >= 0 && eps < 1)) throw new DcbError('DCB_FILTER_USAGE', `--eps must be in [0, 1), got ${eps}`)
  const out = new Uint8Array(assignment.count)
  const members = clusterMembers(assignment, clusters, keep).map((m) => hardestFirst(assignment, m))
  const position = new Int32Array(assignment.count).fill(-1)
  for (const list of members) for (const [p, row] of list.entries()) position[row] = p
  const rowBytes = assignment.dim * 4
  let c = 0
  while (c < clusters) {
    const group: number[] = []
    let bytes = 0
    // a cluster larger than the budget is processed alone
    while (c < clusters && (group.length === 0 || bytes + members[c]!.length * rowBytes <= SEMDEDUP_BUDGET_BYTES)) {
      if (members[c]!.length > 1) {
        group.push(c)
        bytes += members[c]!.length * rowBytes
      } else if (members[c]!.length === 1) {
        out[members[c]![0] as number] = 1
      }
      c++
    }
    if (group.length === 0) continue
    const buffers = new Map(group.map((g) => [g, new Float32Array(members[g]!.length * assignment.dim)]))
    let row = 0
    for await (const batch of source(BATCH_ROWS)) {
      for (let i = 0; i < batch.uids.length; i++, row++) {
        const buffer = buffers.get(assignment.labels[row] as number)
        if (!buffer || position[row]! < 0 || (keep && !keep[row])) continue
        buffer.set(batch.rows.subarray(i * batch.dim, (i + 1) * batch.dim), position[row]! * assignment.dim)
      }
    }
    for (const g of group) {
      const list = members[g]!
      const x = buffers.get(g)!
      const dim = assignment.dim
      for (let j = 0; j < list.length; j++) {
        let max = 0
        for (let i = 0; i < j && max <= 1 - eps; i++) {
          let dot = 0
          for (let k = 0; k < dim; k++) dot += (x[i * dim + k] as number) * (x[j * dim + k] as number)
          if (dot > max) max = dot
        }
        if (!(max > 1 - eps)) out[list[j] as number] = 1
      }
    }
  }
  return out
}

/**
 * SSL prototypes (Sorscher et al. 2022, "Beyond neural scaling laws"): keep the `keepCount` rows
 * farthest from their cluster's centroid (the "hard" examples), pool-wide; ties in pool order.
 */
export function sslPrototypes(assignment: Assignment, keepCount: number, keep?: Uint8Array): Uint8Array {
  const candidates: number[] = []
  for (let i = 0; i < assignment.count; i++) if (!keep || keep[i]) candidates.push(i)
  if (keepCount > candidates.length) throw new DcbError('DCB_FILTER_USAGE', `asked to keep ${keepCount} samples but only ${candidates.length} remain`)
  candidates.sort((a, b) => (assignment.distance[b] as number) - (assignment.distance[a] as number) || a - b)
  const out = new Uint8Array(assignment.count)
  for (const i of candidates.slice(0, keepCount)) out[i] = 1
  return out
}

export interface DensityOptions {
  keepCount: number
  /** Softmax temperature over cluster complexity. */
  temperature: number
  /** How many nearest other centroids d_inter averages over. */
  neighbors: number
}

/**
 * Density-based pruning (Abbas et al. 2024, "Effective pruning of web-scale datasets based on
 * complexity of concept clusters"): a cluster's complexity is d_inter · d_intra (mean cosine
 * distance of its centroid to its `neighbors` nearest centroids, times the mean cosine distance of
 * its rows to its centroid); its share of `keepCount` is softmax(complexity / τ), projected onto
 * 0 ≤ N_j ≤ |cluster j| with the total kept (the least-squares answer of the paper's quadratic
 * program); inside a cluster the hardest rows are kept.
 */
export function densityPruning(assignment: Assignment, centroids: CentroidSet, options: DensityOptions): {keep: Uint8Array; perCluster: Int32Array} {
  const members = clusterMembers(assignment, centroids.count)
  const k = centroids.count
  const dim = centroids.dim
  if (options.keepCount > assignment.count) throw new DcbError('DCB_FILTER_USAGE', `asked to keep ${options.keepCount} of ${assignment.count} samples`)
  if (!(options.temperature > 0)) throw new DcbError('DCB_FILTER_USAGE', `--temperature must be > 0, got ${options.temperature}`)
  const norm = (j: number): number => Math.sqrt(Array.from(centroids.data.subarray(j * dim, (j + 1) * dim)).reduce((s, v) => s + v * v, 0)) || 1
  const norms = Array.from({length: k}, (_, j) => norm(j))
  const complexity = new Float64Array(k)
  const present = members.map((m) => m.length > 0)
  for (let j = 0; j < k; j++) {
    if (!present[j]) continue
    let intra = 0
    for (const row of members[j]!) intra += assignment.distance[row] as number
    intra /= members[j]!.length
    const distances: number[] = []
    for (let m = 0; m < k; m++) {
      if (m === j) continue
      let dot = 0
      for (let d = 0; d < dim; d++) dot += (centroids.data[j * dim + d] as number) * (centroids.data[m * dim + d] as number)
      distances.push(1 - dot / ((norms[j] as number) * (norms[m] as number)))
    }
    distances.sort((a, b) => a - b)
    const near = distances.slice(0, Math.min(options.neighbors, distances.length))
    const inter = near.length ? near.reduce((s, v) => s + v, 0) / near.length : 0
    complexity[j] = inter * intra
  }
  const maxC = Math.max(...Array.from(complexity).filter((_, j) => present[j]))
  const weights = Array.from(complexity, (c, j) => (present[j] ? Math.exp((c - maxC) / options.temperature) : 0))
  const total = weights.reduce((s, w) => s + w, 0)
  const target = weights.map((w) => (w / total) * options.keepCount)
  const sizes = members.map((m) => m.length)
  const shares = projectOntoBox(target, sizes, options.keepCount)
  const perCluster = roundShares(shares, sizes, options.keepCount)
  const keep = new Uint8Array(assignment.count)
  for (let j = 0; j < k; j++) for (const row of hardestFirst(assignment, members[j]!).subarray(0, perCluster[j])) keep[row] = 1
  return {keep, perCluster}
}

/** min ‖N − target‖² subject to 0 ≤ N_j ≤ size_j, ΣN = total: N_j = clamp(target_j − λ), λ by bisection. */
export function projectOntoBox(target: number[], sizes: number[], total: number): number[] {
  const at = (lambda: number): number[] => target.map((t, j) => Math.min(sizes[j] as number, Math.max(0, t - lambda)))
  const sum = (lambda: number): number => at(lambda).reduce((s, v) => s + v, 0)
  let lo = -Math.max(total, 1) - Math.max(...target.map(Math.abs), 0)
  let hi = Math.max(...target, 0)
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2
    if (sum(mid) > total) lo = mid
    else hi = mid
  }
  return at(hi)
}

/** Whole numbers that sum to `total`: floors, then one more to the largest remainders (ties: lower cluster). */
export function roundShares(shares: number[], sizes: number[], total: number): Int32Array {
  const out = Int32Array.from(shares, (s) => Math.floor(s + 1e-9))
  let left = total - out.reduce((s, v) => s + v, 0)
  const order = shares.map((s, j) => ({j, frac: s - (out[j] as number)})).sort((a, b) => b.frac - a.frac || a.j - b.j)
  for (const {j} of order) {
    if (left <= 0) break
    if ((out[j] as number) < (sizes[j] as number)) {
      out[j]!++
      left--
    }
  }
  return out
}
