import {DOT_KERNEL_WASM} from './dot-kernel.wasm.js'

/**
 * One SemDeDup part in WebAssembly memory (dot-kernel.wat): up to `capacity` float32 rows, and the
 * question SemDeDup asks of each row — does any earlier row have an inner product with it above
 * the threshold? The float32 SIMD sieve finds candidates; each candidate is decided in float64, summed
 * in row order as the JavaScript loop this replaces did, so the answer is the float64 one exactly.
 * The memory is sized once and never grows (growing would detach `rows`).
 */

const WASM_PAGE = 65536
/** float32's unit roundoff. */
const U32 = 2 ** -24

let compiled: WebAssembly.Module | undefined

export class DotKernel {
  /** The part's rows, row-major `capacity × dim`: fill rows 0…n−1 before `removed`. */
  readonly rows: Float32Array
  /** The same memory as bytes, for reading rows from a file straight into place. */
  readonly bytes: Uint8Array
  private readonly firstAbove: (rows: number, from: number, to: number, row: number, dim: number, lo: number) => number

  constructor(
    readonly capacity: number,
    readonly dim: number,
  ) {
    const bytes = capacity * dim * 4
    const memory = new WebAssembly.Memory({initial: Math.max(1, Math.ceil(bytes / WASM_PAGE))})
    compiled ??= new WebAssembly.Module(DOT_KERNEL_WASM)
    const instance = new WebAssembly.Instance(compiled, {env: {memory}})
    this.firstAbove = instance.exports.firstAbove as DotKernel['firstAbove']
    this.rows = new Float32Array(memory.buffer, 0, capacity * dim)
    this.bytes = new Uint8Array(memory.buffer, 0, bytes)
  }

  /** Σ rows[i]·rows[j] in float64, k ascending. */
  dot(i: number, j: number): number {
    const {rows, dim} = this
    let dot = 0
    for (let k = 0; k < dim; k++) dot += (rows[i * dim + k] as number) * (rows[j * dim + k] as number)
    return dot
  }

  /**
   * SemDeDup on rows 0…n−1 (hardest first): removed[j] = 1 when max over i < j of rows[i]·rows[j]
   * exceeds `threshold` (1 − ε), with the inner products in float64.
   */
  removed(n: number, threshold: number): Uint8Array {
    const {dim} = this
    const out = new Uint8Array(n)
    const norms = new Float64Array(n)
    let maxNorm = 0
    for (let j = 0; j < n; j++) {
      norms[j] = Math.sqrt(this.dot(j, j))
      if (!(norms[j]! <= maxNorm)) maxNorm = norms[j]!
    }
    // float32 sums of dim products are within (dim + 1)·u·‖a‖‖b‖ of the exact sum (Higham's γ bound,
    // doubled for slack); past 1e15 float32 can overflow, so such rows take the float64 loop alone
    const sieve = maxNorm < 1e15
    const slack = 2 * (dim + 1) * U32 * maxNorm
    for (let j = 1; j < n; j++) {
      const lo = threshold - slack * (norms[j] as number)
      let i = 0
      for (;;) {
        if (sieve) i = this.firstAbove(0, i, j, j * dim * 4, dim, lo)
        if (i >= j) break
        if (this.dot(i, j) > threshold) {
          out[j] = 1
          break
        }
        i++
      }
    }
    return out
  }
}
