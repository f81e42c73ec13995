import {DcbError} from '../../errors.js'
import {clusterMembers, hardestFirst, type Assignment} from './clusters.js'
import {DotKernel} from './dot-kernel.js'
import type {RowSpill} from './row-spill.js'

/**
 * SemDeDup (Abbas et al. 2023) as facebookresearch/SemDeDup's semdedup.py / advance_semdedup.py do
 * it: within each cluster, rows sorted hardest first; a row is removed when its inner product with
 * any row before it exceeds 1 − ε (`max(triu(X Xᵀ, 1), dim=0) > 1 − eps`); a removed row still
 * removes the rows after it, as there. A cluster larger than `largestCluster` is cut, in that
 * order, into ceil(size / largestCluster) consecutive parts at `np.linspace(0, size,
 * ceil(size / largestCluster) + 1, dtype=int64)` and each part deduplicated on its own (upstream's
 * `largest_cluster_size_to_process`), so memory holds one part: largestCluster × dim × 4 bytes.
 */

/** Row bytes one part may hold; the default `largestCluster` is this over the row width. */
export const SEMDEDUP_BUDGET_BYTES = 64 * 1024 ** 2

/** The most one part may hold: wasm32's 4 GiB of linear memory. */
const MAX_PART_BYTES = 2 ** 32 - 65536

/** The default part bound for rows of `dim` values: SEMDEDUP_BUDGET_BYTES of float32 rows (21,845 at 768-d). */
export function defaultLargestCluster(dim: number): number {
  return Math.max(1, Math.floor(SEMDEDUP_BUDGET_BYTES / (dim * 4)))
}

/**
 * The part boundaries upstream cuts a cluster of `size` rows at: `np.linspace(0, size, parts + 1,
 * dtype="int64")` with parts = ceil(size / largest) — float64 `i · (size / parts)`, floored, the last
 * exactly `size`.
 */
export function partBounds(size: number, largest: number): number[] {
  const parts = Math.ceil(size / largest)
  if (parts <= 1) return [0, size]
  const step = size / parts
  return Array.from({length: parts + 1}, (_, i) => (i === parts ? size : Math.floor(i * step)))
}

export interface SemDeDupOptions {
  eps: number
  /** Upstream's `largest_cluster_size_to_process` (default: defaultLargestCluster(dim)). */
  largestCluster?: number
  /** Only rows set here take part (all when absent). */
  keep?: Uint8Array
}

/** The keep mask: rows read back from `spill` (the assignment pass wrote them), one cluster part at a time. */
export function semDeDup(spill: RowSpill, assignment: Assignment, clusters: number, options: SemDeDupOptions): Uint8Array {
  const {eps} = options
  if (!(eps >= 0 && eps < 1)) throw new DcbError('DCB_FILTER_USAGE', `--eps must be in [0, 1), got ${eps}`)
  const dim = assignment.dim
  const largest = options.largestCluster ?? defaultLargestCluster(dim)
  if (!Number.isInteger(largest) || largest < 1) throw new DcbError('DCB_FILTER_USAGE', `--largest-cluster must be a whole number ≥ 1, got ${largest}`)
  if (spill.rows !== assignment.count) throw new RangeError(`the scratch file has ${spill.rows} rows, the assignment ${assignment.count}`)
  const out = new Uint8Array(assignment.count)
  const members = clusterMembers(assignment, clusters, options.keep)
  const biggest = Math.min(largest, members.reduce((max, m) => Math.max(max, m.length), 0))
  if (biggest === 0) return out
  if (biggest * dim * 4 > MAX_PART_BYTES) {
    const gib = ((biggest * dim * 4) / 1024 ** 3).toFixed(1)
    throw new DcbError('DCB_FILTER_USAGE', `--largest-cluster ${largest}: a part of ${biggest} rows × ${dim} float32 needs ${gib} GiB, above the 4 GiB WebAssembly can address; expected at most ${Math.floor(MAX_PART_BYTES / (dim * 4))} at ${dim}-d`, {suggestions: ['leave --largest-cluster out (64 MiB parts) or pass a smaller one']})
  }
  const kernel = new DotKernel(biggest, dim)
  const rowBytes = dim * 4
  for (let c = 0; c < clusters; c++) {
    const list = hardestFirst(assignment, members[c]!)
    const bounds = partBounds(list.length, largest)
    for (let b = 0; b + 1 < bounds.length; b++) {
      const start = bounds[b] as number
      const n = (bounds[b + 1] as number) - start
      // read in file order (the scratch file is in pool order), each row into its slot
      const slots = Int32Array.from({length: n}, (_, p) => p).sort((x, y) => (list[start + x] as number) - (list[start + y] as number))
      for (const p of slots) spill.read(list[start + p] as number, kernel.bytes, p * rowBytes)
      const removed = kernel.removed(n, 1 - eps)
      for (let p = 0; p < n; p++) if (!removed[p]) out[list[start + p] as number] = 1
    }
  }
  return out
}
