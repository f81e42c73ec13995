import {DcbError} from '../../errors.js'
import {clusterMembers, hardestFirst, type Assignment} from './clusters.js'
import type {CentroidSet} from './nearest-centroid.js'

/**
 * Embedding-based pruning methods over an `Assignment` (each row's cluster and cosine distance to its
 * centroid). Each returns a keep mask over the assignment's rows. docs/filters.md cites each paper
 * and lists where this deviates.
 */

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
