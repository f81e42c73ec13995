// CLIP eval throughput: images/s of dcbench's eval path against the PyTorch reference loop, on the
// same model (the same random weights, exported to ONNX for dcbench) and the same images, in one run.
//
//   npx tsx bench/clip-eval/run.ts [--images N] [--batch-size 64] [--threads T] [--repeats 3] [--case tiny|official|ViT]
//
// Targets: ≥ 1.5× the reference on CPU (issue 5), ≥ 2× at 224 px with the ViT-B/32 shape (issue 24).
// Each repeat times both sides back to back; the table gives each side's best repeat against the
// other's and the range of the ratios within repeats, in wall time and per CPU second (all threads of each process: on a shared machine the
// load moves wall time, CPU time much less). The first repeat also checks zero-shot top-1 against
// 1,000 random classes on both sides' features (near-ties, top two logits within 1e-4, counted apart).
// The fixture model gets its own random weights per layer (--distinct-layers: an ONNX file of twelve
// identical layers would hold one, which stays in cache). Both sides include decoding:
//   - dcbench: webdataset tar → worker threads (libjpeg-turbo decode in WebAssembly, sharp for other
//     formats; Pillow-exact bicubic resize, center crop and normalise in WebAssembly SIMD; the
//     onnxruntime-node image encoder) → L2 normalise. This is encodeImages,
//     the loop every task of `bench eval` runs (text encoding, a few hundred prompts, is left out on
//     both sides).
//   - reference: clip_benchmark's loop in one process — tarfile read → PIL decode → torchvision
//     Resize(bicubic)/CenterCrop/ToTensor/Normalize → torch encode_image (test/fixtures/python/tiny_clip_fixture.py bench).
// Both get T cores: the reference runs with 1 and with T torch threads (OMP_WAIT_POLICY=PASSIVE) and
// keeps its faster run; dcbench runs as `bench eval` does by default (createEvalPool: on CPU, up to 4
// workers that each decode and encode whole batches, the cores shared among them; DECODE_THREADS sets
// the workers, ORT_THREADS onnxruntime's threads per worker). Model load and process start are
// outside the timings on both sides.
//
// Two cases: the tiny scale (its model shape, the tiny suite's 64×64 JPEGs) and an official-like
// one (224 px input, ViT patch 32, width 256, 4 layers; 320×240 photo-like JPEGs, like the sizes of
// the real eval sets' images).
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {availableParallelism, cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'

import '../../src/benchmarks/builtins.js'
import {encodeImages} from '../../src/eval/clip/encode.js'
import {createEvalPool} from '../../src/eval/clip/eval-pool.js'
import {loadClipModel} from '../../src/eval/clip/model.js'
import {defaultVocabPath} from '../../src/eval/clip/tokenizer.js'
import {readEvalDataset} from '../../src/eval/clip/webdataset.js'
import {writeEvalDataset} from '../../src/eval/clip/write-wds.js'
import {loadSuite} from '../../src/eval/datacomp/suite.js'
import {ensureSyntheticData} from '../../src/eval/datacomp/tiny-suite.js'
import {findHostPython} from '../../src/runner/host-python.js'
import {syntheticImage} from '../../test/helpers/synthetic-images.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const IMAGES = arg('images', 1500)
const BATCH = arg('batch-size', 64)
const THREADS = arg('threads', availableParallelism())
const REPEATS = arg('repeats', 3)
/** Random unit class vectors the prediction check classifies against (ImageNet's class count). */
const CHECK_CLASSES = 1000
const NEAR_TIE = 1e-4
const fixture = join(import.meta.dirname, '../../test/fixtures/python/tiny_clip_fixture.py')

interface Case {
  name: string
  model: string[]
  images: number
  data: (dir: string) => Promise<string>
}

const spread = (xs: number[]): string => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`

/**
 * Zero-shot top-1 of both sides' normalised image features against CHECK_CLASSES random unit class
 * vectors (logit scale 100, as clip_benchmark): images whose top two logits are within NEAR_TIE on
 * either side are near-ties (counted apart); every other image must get the same class.
 */
function comparePredictions(ours: Float32Array, theirs: number[][], d: number): string {
  let seed = 12345
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1
  const classes = Array.from({length: CHECK_CLASSES}, () => {
    const v = Array.from({length: d}, random)
    const norm = Math.hypot(...v)
    return v.map((x) => x / norm)
  })
  const top2 = (row: ArrayLike<number>): {best: number; gap: number} => {
    let best = -1
    let a = Number.NEGATIVE_INFINITY
    let b = Number.NEGATIVE_INFINITY
    classes.forEach((c, k) => {
      let dot = 0
      for (let j = 0; j < d; j++) dot += (row[j] as number) * (c[j] as number)
      const logit = 100 * Math.fround(dot)
      if (logit > a) [b, a, best] = [a, logit, k]
      else if (logit > b) b = logit
    })
    return {best, gap: a - b}
  }
  let same = 0
  let ties = 0
  let differ = 0
  theirs.forEach((row, i) => {
    const x = top2(ours.subarray(i * d, (i + 1) * d))
    const y = top2(row)
    if (x.gap <= NEAR_TIE || y.gap <= NEAR_TIE) ties++
    else if (x.best === y.best) same++
    else differ++
  })
  return `${differ === 0 ? 'identical' : `${differ} DIFFERENT`} (${same} same, ${ties} near-ties ≤ ${NEAR_TIE})`
}

async function main(): Promise<void> {
  const python = await findHostPython()
  if (!python?.torch) throw new Error('no python3 with torch found (Debian python3-torch; or set DCBENCH_PYTHON)')
  const root = mkdtempSync(join(tmpdir(), 'dcbench-bench-clip-'))
  const only = process.argv.includes('--case') ? process.argv[process.argv.indexOf('--case') + 1] : undefined
  const allCases: Case[] = [
    {
      name: 'tiny scale (32 px ViT, tiny suite 64×64 JPEGs)',
      model: ['--image-size', '32', '--patch', '8', '--width', '64', '--layers', '2', '--heads', '4', '--embed', '64'],
      images: IMAGES,
      data: async (dir) => {
        // The tiny suite's scene task, repeated up to the image count.
        const suite = loadSuite('tiny-clip')
        const task = suite.tasks.find((t) => t.key === 'tiny/scene')
        if (!task) throw new Error('tiny/scene missing')
        const {dataRoot} = await ensureSyntheticData({suite, root: join(dir, 'tiny'), tasks: [task]})
        const source = readEvalDataset(join(dataRoot, 'wds_tiny-scene_test')).shards
        const {readWdsSamples} = await import('../../src/eval/clip/webdataset.js')
        const samples: {key: string; members: Record<string, Uint8Array>}[] = []
        for await (const s of readWdsSamples(source)) samples.push({key: s.key, members: {jpg: s.members.get('jpg') as Buffer}})
        const out = join(dir, 'tiny-bench')
        await writeEvalDataset({dir: out, samplesPerShard: 500, samples: Array.from({length: IMAGES}, (_, i) => ({key: `b${String(i).padStart(6, '0')}`, members: (samples[i % samples.length] as {members: Record<string, Uint8Array>}).members}))})
        return out
      },
    },
    {
      name: 'official-like (224 px ViT-B/32-shaped, width 256, 4 layers; 320×240 JPEGs)',
      model: ['--image-size', '224', '--patch', '32', '--width', '256', '--layers', '4', '--heads', '4', '--embed', '256'],
      images: Math.max(64, Math.round(IMAGES / 3)),
      data: async (dir) => {
        const out = join(dir, 'photo-bench')
        const n = Math.max(64, Math.round(IMAGES / 3))
        await writeEvalDataset({
          dir: out,
          samplesPerShard: 500,
          samples: (async function* () {
            for (let i = 0; i < n; i++) yield {key: `p${String(i).padStart(6, '0')}`, members: {jpg: await syntheticImage(i, 320, 240)}}
          })(),
        })
        return out
      },
    },
    {
      // issue 24: the official image tower's shape (DataComp small/medium train ViT-B/32: width 768,
      // 12 layers, 12 heads, embed 512; ~88 M image-tower parameters). Text is not timed.
      name: 'ViT-B/32 (224 px, width 768, 12 layers; 320×240 JPEGs)',
      model: ['--image-size', '224', '--patch', '32', '--width', '768', '--layers', '12', '--heads', '12', '--embed', '512'],
      images: Math.max(64, Math.round(IMAGES / 8)),
      data: async (dir) => {
        const out = join(dir, 'vitb32-bench')
        const n = Math.max(64, Math.round(IMAGES / 8))
        await writeEvalDataset({
          dir: out,
          samplesPerShard: 500,
          samples: (async function* () {
            for (let i = 0; i < n; i++) yield {key: `v${String(i).padStart(6, '0')}`, members: {jpg: await syntheticImage(i, 320, 240)}}
          })(),
        })
        return out
      },
    },
  ]

  const cases = allCases.filter((c) => !only || c.name.startsWith(only))
  const load = loadavg()
  console.log(`clip-eval bench · ${cpus()[0]?.model ?? 'cpu'} · ${availableParallelism()} cores available, ${THREADS} used per side · batch ${BATCH} · load average ${load.map((l) => l.toFixed(2)).join(' ')}`)
  console.log('(the machine may be shared: a load average above the core count means other work competed with both sides)\n')
  const rows: string[][] = []
  try {
    for (const [index, c] of cases.entries()) {
      const modelDir = join(root, `model-${index}`)
      await execa(python.path, [fixture, 'make-model', modelDir, '--seed', '1', '--distinct-layers', '--vocab', defaultVocabPath(), ...c.model])
      const data = await c.data(root)
      const shards = readEvalDataset(data).shards
      // dcbench as `bench eval` runs it: onnxruntime's and the decode pool's default thread counts.
      const model = await loadClipModel(modelDir, {threads: process.env.ORT_THREADS ? Number(process.env.ORT_THREADS) : undefined})
      const env = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined)
      const pool = createEvalPool(model, {workers: env('DECODE_THREADS'), threads: env('ORT_THREADS')})
      const ours: number[] = []
      const ref: number[] = []
      const cpuRatios: number[] = []
      const wallRatios: number[] = []
      const oursCpus: number[] = []
      const refCpus: number[] = []
      const featuresFile = join(root, `features-${index}.json`)
      let check = ''
      try {
        // Warm-up (JIT, thread pools, page cache) on both sides, then alternate runs.
        await encodeImages(model, pool, shards.slice(0, 1), {batchSize: BATCH, keep: []})
        for (let r = 0; r < REPEATS; r++) {
          const start = performance.now()
          const cpu0 = process.cpuUsage()
          const {features, meta} = await encodeImages(model, pool, shards, {batchSize: BATCH, keep: []})
          const cpu = process.cpuUsage(cpu0)
          const oursRate = meta.length / ((performance.now() - start) / 1000)
          // every thread of this process (the workers' onnxruntime threads too): what load does not inflate
          const oursCpu = (cpu.user + cpu.system) / 1e6
          ours.push(oursRate)
          // The reference at its best: 1 and T torch threads, passive OpenMP waiting (spinning
          // OpenMP threads are several times slower on a shared CPU), the faster run kept (and,
          // apart, the smaller CPU time).
          let bestRef = 0
          let bestRefCpu = Number.POSITIVE_INFINITY
          for (const threads of new Set([1, THREADS])) {
            const features = r === 0 && threads === 1 ? ['--features', featuresFile] : []
            const out = await execa(python.path, [fixture, 'bench', modelDir, data, '--batch-size', String(BATCH), '--threads', String(threads), ...features], {env: {OMP_WAIT_POLICY: 'PASSIVE'}})
            const parsed = JSON.parse(out.stdout.trim().split('\n').pop() as string) as {images: number; images_per_second: number; cpu_seconds: number}
            if (parsed.images !== meta.length) throw new Error(`reference saw ${parsed.images} images, dcbench ${meta.length}`)
            bestRef = Math.max(bestRef, parsed.images_per_second)
            bestRefCpu = Math.min(bestRefCpu, parsed.cpu_seconds)
          }
          ref.push(bestRef)
          wallRatios.push(oursRate / bestRef)
          cpuRatios.push(bestRefCpu / oursCpu)
          oursCpus.push(oursCpu)
          refCpus.push(bestRefCpu)
          if (r === 0) check = comparePredictions(features, JSON.parse(readFileSync(featuresFile, 'utf8')) as number[][], model.meta.embed_dim)
        }
      } finally {
        await pool.close()
        await model.release()
      }
      const best = (xs: number[]) => Math.max(...xs)
      // each side's best repeat against the other's (the least disturbed by other work), then the range within repeats
      const wall = best(ours) / best(ref)
      const cpu = Math.min(...refCpus) / Math.min(...oursCpus)
      rows.push([c.name, String(c.images), best(ours).toFixed(1), best(ref).toFixed(1), `**${wall.toFixed(2)}×** (${spread(wallRatios)})`, `**${cpu.toFixed(2)}×** (${spread(cpuRatios)})`, check])
      console.log(`${c.name}: dcbench ${ours.map((x) => x.toFixed(1)).join(', ')} img/s, ${oursCpus.map((x) => x.toFixed(1)).join(', ')} CPU s · PyTorch ${ref.map((x) => x.toFixed(1)).join(', ')} img/s, ${refCpus.map((x) => x.toFixed(1)).join(', ')} CPU s → ${wall.toFixed(2)}× wall, ${cpu.toFixed(2)}× per CPU s (best repeats; ${REPEATS} interleaved) · ${check}`)
    }
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
  console.log('')
  console.log('| case | images | dcbench img/s | PyTorch img/s | dcbench / PyTorch, wall: best (range) | per CPU second: best (range) | top-1 over 1,000 random classes |')
  console.log('|---|---:|---:|---:|---:|---:|---|')
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
  console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
}

await main()
