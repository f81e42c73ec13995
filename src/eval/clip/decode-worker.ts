// Worker thread: decodes and preprocesses batches of encoded images (see decode-pool.ts).
import {parentPort} from 'node:worker_threads'

import {decodeImage, decodeRgb, normalisationTable, preprocessRgb, type PreprocessConfig} from './preprocess.js'
import {wasmJpegDecodable} from './wasm-jpeg.js'

interface Job {
  id: number
  config: PreprocessConfig
  images: Uint8Array[]
}

let table: Float32Array | undefined
let tableKey = ''

parentPort?.on('message', (job: Job) => {
  void (async () => {
    const plane = 3 * job.config.imageSize * job.config.imageSize
    const key = JSON.stringify([job.config.mean, job.config.std])
    if (!table || key !== tableKey) {
      table = normalisationTable(job.config)
      tableKey = key
    }
    const out = new Float32Array(plane * job.images.length)
    try {
      // Images for sharp are started at once: it runs them on libuv's thread pool, which hides its
      // per-call overhead. JPEGs for the WebAssembly decoder are decoded in turn, one in memory at a time.
      const viaSharp = job.images.map((bytes) => (wasmJpegDecodable(bytes) ? undefined : decodeRgb(bytes)))
      viaSharp.forEach((p) => p?.catch(() => {}))
      for (const [i, bytes] of job.images.entries()) preprocessRgb(await (viaSharp[i] ?? decodeImage(bytes)), job.config, table, out, i * plane)
      parentPort?.postMessage({id: job.id, pixels: out}, [out.buffer])
    } catch (error) {
      parentPort?.postMessage({id: job.id, error: (error as Error).message})
    }
  })()
})
