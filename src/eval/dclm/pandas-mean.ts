/**
 * The two float64 means DCLM's aggregation gets from pandas, reproduced to the last bit so recomputed
 * aggregates equal the ones in DCLM's eval JSONs exactly (checked against all 156 files of
 * mlfoundations/dclm@361714bd exp_data/evals while writing this; see the commit message).
 */

/**
 * `Series.mean()` (skipna): pandas' nanops.nanmean puts 0 where values are NaN, sums the whole array
 * with numpy's `add.reduce` (pairwise summation, identity 0 as the start value — checked against
 * numpy 1.24 on 20,000 random arrays) and divides by the count of non-NaN values. pandas ≥ 1.4 never
 * uses bottleneck for nanmean. An all-NaN or empty series gives NaN.
 */
export function seriesMean(values: readonly number[]): number {
  const filled = values.map((v) => (Number.isNaN(v) ? 0 : v))
  const count = values.filter((v) => !Number.isNaN(v)).length
  if (count === 0) return Number.NaN
  return (0 + pairwiseSum(filled, 0, filled.length)) / count
}

/** numpy's pairwise_sum for float64 (umath loops): 8-way unrolled blocks of up to 128, split in halves above. */
function pairwiseSum(a: readonly number[], start: number, n: number): number {
  if (n < 8) {
    let res = 0
    for (let i = 0; i < n; i++) res += a[start + i]!
    return res
  }
  if (n <= 128) {
    const r = a.slice(start, start + 8)
    let i = 8
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j]! += a[start + i + j]!
    }
    let res = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!))
    for (; i < n; i++) res += a[start + i]!
    return res
  }
  let n2 = Math.floor(n / 2)
  n2 -= n2 % 8
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2)
}

/**
 * `DataFrame.groupby(key).agg("mean")` for one float64 column: pandas' cython group_mean, which adds
 * each group's non-NaN values in row order with Kahan compensation (pandas ≥ 1.3), then divides by
 * their count; a group with no values gives NaN. Keys come back sorted (groupby's default `sort=True`).
 */
export function groupMeans(keys: readonly string[], values: readonly number[]): Map<string, number> {
  const sums = new Map<string, {sum: number; compensation: number; count: number}>()
  keys.forEach((key, i) => {
    const state = sums.get(key) ?? {sum: 0, compensation: 0, count: 0}
    sums.set(key, state)
    const value = values[i]!
    if (Number.isNaN(value)) return
    state.count += 1
    const y = value - state.compensation
    const t = state.sum + y
    state.compensation = t - state.sum - y
    // pandas GH#50367: an infinite value makes the compensation NaN; it resets it so the sum stays infinite.
    if (Number.isNaN(state.compensation)) state.compensation = 0
    state.sum = t
  })
  const sorted = [...sums.keys()].sort(comparePython)
  return new Map(sorted.map((key) => {
    const {sum, count} = sums.get(key)!
    return [key, count === 0 ? Number.NaN : sum / count]
  }))
}

/** Python's string order (by code point), which pandas' sorted group keys follow. */
export function comparePython(a: string, b: string): number {
  const x = [...a]
  const y = [...b]
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!
    if (d !== 0) return d
  }
  return x.length - y.length
}
