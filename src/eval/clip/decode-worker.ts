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
      for (const [i, bytes] of job.images.entries()) preprocessRgb(await decodeRgb(bytes), job.config, table, out, i * plane)
      parentPort?.postMessage({id: job.id, pixels: out}, [out.buffer])
    } catch (error) {
      parentPort?.postMessage({id: job.id, error: (error as Error).message})
    }
  })()
})
