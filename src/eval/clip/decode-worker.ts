// Worker thread: decodes and preprocesses batches of encoded images (see decode-pool.ts).
import {parentPort} from 'node:worker_threads'

import {decodeRgb, normalisationTable, preprocessRgb, type PreprocessConfig} from './preprocess.js'

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
      // All decodes of the batch are started at once: sharp runs them on libuv's thread pool, which
      // hides its per-call overhead (about half the cost of a small JPEG); results are used in order.
      const decoded = job.images.map((bytes) => decodeRgb(bytes))
      decoded.forEach((p) => p.catch(() => {}))
      for (const [i, pending] of decoded.entries()) preprocessRgb(await pending, job.config, table, out, i * plane)
      parentPort?.postMessage({id: job.id, pixels: out}, [out.buffer])
    } catch (error) {
      parentPort?.postMessage({id: job.id, error: (error as Error).message})
    }
  })()
})
