// SemDeDup's inner loop, the WebAssembly SIMD sieve (src/filters/embeddings/dot-kernel.wat) against
// the plain float64 JavaScript loop it replaced, on the same rows in the same run:
//   npx tsx bench/embedding-pruning/kernel.ts [--rows 3000] [--dim 768]
// The threshold is above every inner product, so neither stops early: rows²/2 inner products each.
import {DotKernel} from '../../src/filters/embeddings/dot-kernel.js'
import {createRng} from '../../src/util/rng.js'

const args = process.argv.slice(2)
const opt = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`)
  return at < 0 ? fallback : Number(args[at + 1])
}
const n = opt('rows', 3000)
const dim = opt('dim', 768)
const rng = createRng('kernel-bench')
const kernel = new DotKernel(n, dim)
for (let i = 0; i < n * dim; i++) kernel.rows[i] = (rng.next() - 0.5) / Math.sqrt(dim)
const threshold = 10

function plain(): number {
  let removed = 0
  const rows = kernel.rows
  for (let j = 1; j < n; j++) {
    for (let i = 0; i < j; i++) {
      let dot = 0
      for (let k = 0; k < dim; k++) dot += (rows[i * dim + k] as number) * (rows[j * dim + k] as number)
      if (dot > threshold) {
        removed++
        break
      }
    }
  }
  return removed
}

function time(run: () => number): {seconds: number; removed: number} {
  const started = process.hrtime.bigint()
  const removed = run()
  return {seconds: Number(process.hrtime.bigint() - started) / 1e9, removed}
}

const macs = ((n * (n - 1)) / 2) * dim
time(() => kernel.removed(200, threshold).length) // warm up both paths
const js = time(plain)
const wasm = time(() => kernel.removed(n, threshold).reduce((s, v) => s + v, 0))
if (js.removed !== wasm.removed) throw new Error(`the two disagree: ${js.removed} vs ${wasm.removed} removed`)
console.log(`${n} rows × ${dim}: ${(macs / 1e9).toFixed(2)} G multiply-adds`)
console.log(`| loop | seconds | G multiply-adds/s | × plain |\n|---|---:|---:|---:|`)
console.log(`| plain float64 JavaScript | ${js.seconds.toFixed(2)} | ${(macs / js.seconds / 1e9).toFixed(2)} | 1.0 |`)
console.log(`| WebAssembly f32x4 sieve + float64 check | ${wasm.seconds.toFixed(2)} | ${(macs / wasm.seconds / 1e9).toFixed(2)} | ${(js.seconds / wasm.seconds).toFixed(1)} |`)
