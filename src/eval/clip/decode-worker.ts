// Worker thread: decodes and preprocesses batches of encoded images (see decode-pool.ts), and, when
// given an image encoder, encodes them too.
import type {InferenceSession} from 'onnxruntime-node'
import {parentPort} from 'node:worker_threads'

import {decodeForPreprocess, decodeRgb, normalisationTable, preprocessRgb, type PreprocessConfig} from './preprocess.js'
import {wasmJpegDecodable} from './wasm-jpeg.js'

/** A batch: its encoded images back to back (image i ends at ends[i]), and maybe a buffer to fill. */
export interface DecodeJob {
  kind: 'batch'
  id: number
  config: PreprocessConfig
  bytes: Uint8Array<ArrayBuffer>
  ends: number[]
  buffer?: ArrayBuffer
  /** Return the image encoder's output for the batch instead of its pixels. */
  encode: boolean
}

/** Loads the image encoder this worker runs for `encode` jobs. */
export interface EncoderSetup {
  kind: 'encoder'
  file: string
  threads: number
}

/** The batch's CHW float32 pixels, or its image features ([n, d] row-major), or why not. */
export interface DecodeResult {
  id: number
  pixels?: Float32Array<ArrayBuffer>
  features?: Float32Array<ArrayBuffer>
  error?: string
}

let table: Float32Array | undefined
let tableKey = ''
let encoder: Promise<InferenceSession> | undefined
/** Pixels of `encode` jobs stay here: reused batch after batch. */
let scratch = new Float32Array(0)

async function preprocessBatch(job: DecodeJob, out: Float32Array): Promise<void> {
  const plane = 3 * job.config.imageSize * job.config.imageSize
  const key = JSON.stringify([job.config.mean, job.config.std])
  if (!table || key !== tableKey) {
    table = normalisationTable(job.config)
    tableKey = key
  }
  const images = job.ends.map((end, i) => job.bytes.subarray(i === 0 ? 0 : (job.ends[i - 1] as number), end))
  // Images for sharp are started at once: it runs them on libuv's thread pool, which hides its
  // per-call overhead. JPEGs for the WebAssembly decoder are decoded in turn, one in memory at a time.
  const viaSharp = images.map((bytes) => (wasmJpegDecodable(bytes) ? undefined : decodeRgb(bytes)))
  viaSharp.forEach((p) => p?.catch(() => {}))
  for (const [i, bytes] of images.entries()) preprocessRgb(await (viaSharp[i] ?? decodeForPreprocess(bytes)), job.config, table, out, i * plane)
}

async function runJob(job: DecodeJob): Promise<{result: DecodeResult; transfer: ArrayBuffer[]}> {
  const n = job.ends.length
  const size = 3 * job.config.imageSize * job.config.imageSize * n
  if (job.encode) {
    if (!encoder) throw new Error('decode worker: encode job before an encoder was set up')
    if (scratch.length < size) scratch = new Float32Array(size)
    const pixels = scratch.subarray(0, size)
    await preprocessBatch(job, pixels)
    const session = await encoder
    const {Tensor} = await import('onnxruntime-node')
    const s = job.config.imageSize
    const output = (await session.run({[session.inputNames[0] as string]: new Tensor('float32', pixels, [n, 3, s, s])}))[session.outputNames[0] as string]
    if (!output || output.type !== 'float32') throw new Error(`the image encoder returned ${output ? output.type : 'nothing'}; expected float32`)
    const features = (output.data as Float32Array).slice() as Float32Array<ArrayBuffer>
    return {result: {id: job.id, features}, transfer: [features.buffer]}
  }
  const pixels = job.buffer && job.buffer.byteLength >= size * 4 ? new Float32Array(job.buffer, 0, size) : new Float32Array(size)
  await preprocessBatch(job, pixels)
  return {result: {id: job.id, pixels}, transfer: [pixels.buffer]}
}

parentPort?.on('message', (message: DecodeJob | EncoderSetup) => {
  if (message.kind === 'encoder') {
    encoder = import('./model.js').then(({createSession}) => createSession(message.file, {threads: message.threads}))
    encoder.catch(() => {})
    return
  }
  runJob(message).then(
    ({result, transfer}) => parentPort?.postMessage(result, transfer),
    (error: Error) => parentPort?.postMessage({id: message.id, error: error.message} satisfies DecodeResult),
  )
})
