// Where CLIP eval's time goes at one model shape: decode, preprocess (resize + crop + normalise) and
// the ONNX session, each alone on one thread, and the session's settings side by side.
//
//   npx tsx bench/clip-eval/profile.ts MODEL_DIR [--images 64] [--batch-size 64] [--threads 1,2]
//
// MODEL_DIR is a CLIP model directory (e.g. from test/fixtures/python/tiny_clip_fixture.py
// make-model). Images are the bench's photo-like 320×240 JPEGs. Prints milliseconds per image.
import {availableParallelism, loadavg} from 'node:os'
import {join} from 'node:path'

import * as ort from 'onnxruntime-node'

import {decodeForPreprocess, normalisationTable, preprocessRgb} from '../../src/eval/clip/preprocess.js'
import {readModelJson} from '../../src/contracts/model-json.js'
import {syntheticImage} from '../../test/helpers/synthetic-images.js'

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? (process.argv[i + 1] as string) : fallback
}
const dir = process.argv[2] as string
const IMAGES = Number(arg('images', '64'))
const BATCH = Number(arg('batch-size', '64'))
const THREADS = arg('threads', `1,${availableParallelism()}`).split(',').map(Number)
const VARIANTS = arg('variants', 'default,no-arena').split(',')

async function main(): Promise<void> {
  const meta = readModelJson(dir, 'clip')
  const size = meta.preprocess.image_size
  const config = {imageSize: size, mean: meta.preprocess.mean, std: meta.preprocess.std}
  const table = normalisationTable(config)
  console.log(`clip profile · ${dir} · ${IMAGES} images · batch ${BATCH} · load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  const jpegs = await Promise.all(Array.from({length: IMAGES}, (_, i) => syntheticImage(i, 320, 240)))
  const pixels = new Float32Array(BATCH * 3 * size * size)
  // Decode and preprocess, timed apart (second pass: the first warms the JIT and WebAssembly).
  for (let pass = 0; pass < 2; pass++) {
    let decode = 0
    let prep = 0
    const c0 = process.cpuUsage()
    for (const [i, bytes] of jpegs.entries()) {
      const t0 = performance.now()
      const raw = await decodeForPreprocess(bytes)
      const t1 = performance.now()
      preprocessRgb(raw, config, table, pixels, (i % BATCH) * 3 * size * size)
      decode += t1 - t0
      prep += performance.now() - t1
    }
    const c = process.cpuUsage(c0)
    if (pass === 1) console.log(`decode ${(decode / IMAGES).toFixed(2)} ms/img · preprocess ${(prep / IMAGES).toFixed(2)} ms/img wall (1 thread; both: ${((c.user + c.system) / 1000 / IMAGES).toFixed(2)} ms/img CPU)`)
  }
  const file = join(dir, meta.onnx.image)
  for (const variant of VARIANTS) {
    for (const threads of THREADS) {
      const options: ort.InferenceSession.SessionOptions = {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        enableCpuMemArena: variant !== 'no-arena',
        extra: {session: {intra_op: {allow_spinning: variant === 'spinning' ? '1' : '0'}}},
      }
      const session = await ort.InferenceSession.create(file, options)
      const input = new ort.Tensor('float32', pixels, [BATCH, 3, size, size])
      await session.run({[session.inputNames[0] as string]: input})
      const times: number[] = []
      const cpuTimes: number[] = []
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now()
        const c0 = process.cpuUsage()
        await session.run({[session.inputNames[0] as string]: input})
        const c = process.cpuUsage(c0)
        times.push((performance.now() - t0) / BATCH)
        cpuTimes.push((c.user + c.system) / 1000 / BATCH)
      }
      console.log(`session ${variant} · ${threads} threads: ${Math.min(...times).toFixed(2)} ms/img wall, ${Math.min(...cpuTimes).toFixed(2)} ms/img CPU (runs ${times.map((t) => t.toFixed(2)).join(', ')})`)
      await session.release()
    }
  }
}

await main()
