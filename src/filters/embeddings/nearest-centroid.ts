/**
 * Nearest centroid by inner product, as DataComp's image-based baseline assigns samples
 * (`get_centroid_ids_gpu`: `argmax(features @ centroids.T)`, the first index on a tie, as
 * torch.argmax). Sums run in float64 over float32 inputs; upstream sums float32 on a GPU, so two
 * centroids within float32 rounding of each other (~1e-7 relative) may be ordered differently.
 */
export interface CentroidSet {
  count: number
  dim: number
  /** Row-major `count × dim`. */
  data: Float32Array
}

/** The index of each row's nearest centroid (rows: row-major `n × dim`). */
export function nearestCentroids(rows: Float32Array, dim: number, centroids: CentroidSet): Int32Array {
  if (dim !== centroids.dim) throw new RangeError(`rows have ${dim} dimensions, centroids ${centroids.dim}`)
  const n = rows.length / dim
  const out = new Int32Array(n)
  const c = centroids.data
  for (let i = 0; i < n; i++) {
    const base = i * dim
    let best = -1
    let bestScore = Number.NEGATIVE_INFINITY
    for (let j = 0; j < centroids.count; j++) {
      const cb = j * dim
      let dot = 0
      for (let k = 0; k < dim; k++) dot += (rows[base + k] as number) * (c[cb + k] as number)
      // strictly greater: the first maximal index wins, as torch.argmax
      if (dot > bestScore || best < 0) {
        best = j
        bestScore = dot
      }
    }
    out[i] = best
  }
  return out
}
