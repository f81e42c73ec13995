// Worker thread: decodes and preprocesses batches of encoded images (see decode-pool.ts).
import {parentPort} from 'node:worker_threads'

import {decodeForPreprocess, decodeRgb, normalisationTable, preprocessRgb, type PreprocessConfig} from './preprocess.js'
import {wasmJpegDecodable} from './wasm-jpeg.js'

/** A batch: its encoded images back to back (image i ends at ends[i]), and maybe a buffer to fill. */
export interface DecodeJob {
  id: number
  config: PreprocessConfig
  bytes: Uint8Array<ArrayBuffer>
  ends: number[]
  buffer?: ArrayBuffer
}

/** The batch's CHW float32 pixels, or why not. */
export interface DecodeResult {
  id: number
  pixels?: Float32Array<ArrayBuffer>
  error?: string
}

let table: Float32Array | undefined
let tableKey = ''

async function preprocessBatch(job: DecodeJob): Promise<Float32Array<ArrayBuffer>> {
  const plane = 3 * job.config.imageSize * job.config.imageSize
  const key = JSON.stringify([job.config.mean, job.config.std])
  if (!table || key !== tableKey) {
    table = normalisationTable(job.config)
    tableKey = key
  }
  const n = job.ends.length
  const out = job.buffer && job.buffer.byteLength >= plane * n * 4 ? new Float32Array(job.buffer, 0, plane * n) : new Float32Array(plane * n)
  const images = job.ends.map((end, i) => job.bytes.subarray(i === 0 ? 0 : (job.ends[i - 1] as number), end))
  // Images for sharp are started at once: it runs them on libuv's thread pool, which hides its
  // per-call overhead. JPEGs for the WebAssembly decoder are decoded in turn, one in memory at a time.
  const viaSharp = images.map((bytes) => (wasmJpegDecodable(bytes) ? undefined : decodeRgb(bytes)))
  viaSharp.forEach((p) => p?.catch(() => {}))
  for (const [i, bytes] of images.entries()) preprocessRgb(await (viaSharp[i] ?? decodeForPreprocess(bytes)), job.config, table, out, i * plane)
  return out
}

parentPort?.on('message', (job: DecodeJob) => {
  preprocessBatch(job).then(
    (pixels) => parentPort?.postMessage({id: job.id, pixels} satisfies DecodeResult, [pixels.buffer]),
    (error: Error) => parentPort?.postMessage({id: job.id, error: error.message} satisfies DecodeResult),
  )
})
