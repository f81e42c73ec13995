import {describe, expect, it} from 'vitest'

import {assembleWat, WASM_KERNELS} from '../../../../scripts/wasm-kernels.js'
import {DotKernel} from '../../../../src/filters/embeddings/dot-kernel.js'
import {DOT_KERNEL_WASM} from '../../../../src/filters/embeddings/dot-kernel.wasm.js'
import type {Assignment} from '../../../../src/filters/embeddings/clusters.js'
import {RowSpill} from '../../../../src/filters/embeddings/row-spill.js'
import {partBounds, semDeDup} from '../../../../src/filters/embeddings/semdedup.js'
import {createRng} from '../../../../src/util/rng.js'

/** The float64 loop the kernel replaces: removed[j] when any earlier row's inner product exceeds t. */
function plainRemoved(rows: Float32Array, n: number, dim: number, t: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < j; i++) {
      let dot = 0
      for (let k = 0; k < dim; k++) dot += (rows[i * dim + k] as number) * (rows[j * dim + k] as number)
      if (dot > t) {
        out[j] = 1
        break
      }
    }
  }
  return out
}

function randomRows(n: number, dim: number, seed: string, scale = 1): Float32Array {
  const rng = createRng(seed)
  const rows = new Float32Array(n * dim)
  for (let i = 0; i < n; i++) {
    // a few directions, so that many pairs are close
    const base = i % 5
    for (let k = 0; k < dim; k++) rows[i * dim + k] = scale * (((base * 7 + k) % 11) / 11 + 0.6 * rng.next())
  }
  return rows
}

describe('the SemDeDup kernel', () => {
  it('is embedded exactly as src/filters/embeddings/dot-kernel.wat assembles (run `npm run wasm` after editing the .wat)', async () => {
    const kernel = WASM_KERNELS.find((k) => k.exportName === 'DOT_KERNEL_WASM')
    expect(kernel?.source).toBe('src/filters/embeddings/dot-kernel.wat')
    expect(Buffer.from(await assembleWat((kernel as (typeof WASM_KERNELS)[number]).source))).toEqual(DOT_KERNEL_WASM)
  })

  for (const dim of [1, 15, 16, 37, 768]) {
    it(`decides as the float64 loop at dim ${dim}, over thresholds across the spread of inner products`, () => {
      const n = 120
      const rows = randomRows(n, dim, `dot-${dim}`, dim === 37 ? 3.7 : 1 / Math.sqrt(dim))
      const kernel = new DotKernel(n, dim)
      kernel.rows.set(rows)
      const dots: number[] = []
      for (let j = 1; j < n; j++) dots.push(kernel.dot(j - 1, j))
      dots.sort((a, b) => a - b)
      // thresholds exactly at observed inner products: the float32 sieve must not decide those
      for (const t of [dots[0]! - 1, dots[10]!, dots[60]!, dots[110]!, dots[dots.length - 1]!, dots[60]! + Math.abs(dots[60]!) * 2 ** -52]) {
        expect(Array.from(kernel.removed(n, t)), `t=${t}`).toEqual(Array.from(plainRemoved(rows, n, dim, t)))
      }
    })
  }

  it('a threshold one float64 step either side of an inner product flips exactly that decision', () => {
    const dim = 768
    const rows = randomRows(2, dim, 'edge', 1 / Math.sqrt(dim))
    const kernel = new DotKernel(2, dim)
    kernel.rows.set(rows)
    const dot = kernel.dot(0, 1)
    const below = dot - Math.abs(dot) * 2 ** -52
    const above = dot + Math.abs(dot) * 2 ** -52
    expect(Array.from(kernel.removed(2, below))).toEqual([0, 1])
    expect(Array.from(kernel.removed(2, dot))).toEqual([0, 0])
    expect(Array.from(kernel.removed(2, above))).toEqual([0, 0])
  })
})

describe("SemDeDup's largest_cluster_size_to_process", () => {
  it('cuts clusters where np.linspace(0, size, ceil(size / largest) + 1, dtype="int64") does (numpy 1.24.2)', () => {
    expect(partBounds(10, 3)).toEqual([0, 2, 5, 7, 10])
    expect(partBounds(37, 36)).toEqual([0, 18, 37])
    expect(partBounds(37, 37)).toEqual([0, 37])
    expect(partBounds(5, 1)).toEqual([0, 1, 2, 3, 4, 5])
    expect(partBounds(90001, 30000)).toEqual([0, 22500, 45000, 67500, 90001])
    const big = partBounds(1000003, 21845)
    expect(big.length).toBe(47)
    expect(big.slice(0, 6)).toEqual([0, 21739, 43478, 65217, 86956, 108695])
    expect(big.slice(-3)).toEqual([956524, 978263, 1000003])
    expect(partBounds(100, 7).slice(0, 6)).toEqual([0, 6, 13, 20, 26, 33])
  })

  it('deduplicates each part on its own, rows read back from the scratch file', () => {
    const n = 60
    const dim = 20
    const rows = randomRows(n, dim, 'parts', 1 / Math.sqrt(dim))
    // two clusters by parity; distance decreasing with the row number, so hardest first = pool order
    const assignment: Assignment = {count: n, dim, uids: new Uint32Array(n * 4), labels: Int32Array.from({length: n}, (_, i) => i % 2), distance: Float64Array.from({length: n}, (_, i) => 1 - i / n)}
    const spill = new RowSpill()
    try {
      spill.append(rows.subarray(0, 25 * dim), dim)
      spill.append(rows.subarray(25 * dim), dim)
      // a threshold among the inner products of near rows: some pairs above it, most below
      const near: number[] = []
      for (let i = 0; i + 10 < n; i++) {
        let dot = 0
        for (let k = 0; k < dim; k++) dot += (rows[i * dim + k] as number) * (rows[(i + 10) * dim + k] as number)
        near.push(dot)
      }
      near.sort((a, b) => a - b)
      const t = near[Math.floor(near.length * 0.7)]!
      const expected = new Uint8Array(n)
      for (const c of [0, 1]) {
        const members = Array.from({length: n / 2}, (_, i) => 2 * i + c)
        const bounds = partBounds(members.length, 7)
        for (let b = 0; b + 1 < bounds.length; b++) {
          const part = members.slice(bounds[b], bounds[b + 1])
          const x = new Float32Array(part.length * dim)
          part.forEach((row, p) => x.set(rows.subarray(row * dim, (row + 1) * dim), p * dim))
          plainRemoved(x, part.length, dim, t).forEach((r, p) => (expected[part[p]!] = r ? 0 : 1))
        }
      }
      const kept = semDeDup(spill, assignment, 2, {eps: 1 - t, largestCluster: 7})
      expect(Array.from(kept)).toEqual(Array.from(expected))
      // the parts matter: unsplit, more rows go
      const whole = semDeDup(spill, assignment, 2, {eps: 1 - t, largestCluster: 1000})
      expect(whole.reduce((s, v) => s + v, 0)).toBeLessThan(kept.reduce((s, v) => s + v, 0))
    } finally {
      spill.close()
    }
  })

  it('a part beyond what WebAssembly can address is a usage error naming the largest that fits, before any allocation', () => {
    const dim = 768
    const n = 1_400_000
    const assignment: Assignment = {count: n, dim, uids: new Uint32Array(0), labels: new Int32Array(n), distance: new Float64Array(n)}
    // never read: the size check comes before the first row is read
    const spill = {rows: n} as unknown as RowSpill
    expect(() => semDeDup(spill, assignment, 1, {eps: 0.05, largestCluster: 10_000_000})).toThrow(/^--largest-cluster 10000000: a part of 1400000 rows × 768 float32 needs 4\.0 GiB.*expected at most 1398080 at 768-d/)
  })
})
