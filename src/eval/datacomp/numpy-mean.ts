/**
 * `numpy.mean` of a 1-D float64 array, bit for bit (checked against numpy 1.24 by
 * test/unit/eval/clip/aggregate.test.ts): numpy sums with its pairwise algorithm (8 partial sums in
 * blocks of up to 128 elements, recursive halving above), then divides by n. A plain left-to-right
 * sum can differ in the last bits.
 */
export function numpyMean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  return numpySum(values) / values.length
}

/** `numpy.sum` (np.add.reduce) of a 1-D float64 array. */
export function numpySum(values: readonly number[]): number {
  return 0 + pairwiseSum(values, 0, values.length)
}

const BLOCK = 128

function pairwiseSum(a: readonly number[], start: number, n: number): number {
  if (n < 8) {
    let res = 0
    for (let i = 0; i < n; i++) res += a[start + i] as number
    return res
  }
  if (n <= BLOCK) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => a[start + j] as number)
    let i = 8
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = (r[j] as number) + (a[start + i + j] as number)
    }
    const [r0, r1, r2, r3, r4, r5, r6, r7] = r as [number, number, number, number, number, number, number, number]
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7))
    for (; i < n; i++) res += a[start + i] as number
    return res
  }
  let n2 = Math.floor(n / 2)
  n2 -= n2 % 8
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2)
}
