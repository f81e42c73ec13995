import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Worker} from 'node:worker_threads'

import {packageRoot} from '../../util/paths.js'
import type {DecodeJob, DecodeResult, EncoderSetup} from './decode-worker.js'
import type {PreprocessConfig} from './preprocess.js'
import {defaultThreadSplit} from './threads.js'

function workerFile(): string {
  const beside = fileURLToPath(new URL('./decode-worker.js', import.meta.url))
  if (existsSync(beside)) return beside
  // Running from src/ (vitest, tsx): use the built worker.
  const built = join(packageRoot(), 'dist/eval/clip/decode-worker.js')
  if (existsSync(built)) return built
  throw new Error(`decode worker not found (${beside}, ${built}): run npm run build`)
}

interface PendingJob {
  images: Uint8Array[]
  encode: boolean
  resolve: (p: Float32Array) => void
  reject: (e: Error) => void
}

/** An image encoder for the workers to run (DecodePool.encode). */
export interface PoolEncoder {
  /** The image encoder's ONNX file. */
  file: string
  /** onnxruntime intra-op threads per worker. */
  threads: number
}

/** The images of a batch in one buffer (transferred to the worker, not cloned image by image). */
function pack(images: Uint8Array[]): {bytes: Uint8Array<ArrayBuffer>; ends: number[]} {
  const ends: number[] = []
  let total = 0
  for (const image of images) ends.push((total += image.length))
  const bytes = new Uint8Array(total)
  images.forEach((image, i) => bytes.set(image, i === 0 ? 0 : (ends[i - 1] as number)))
  return {bytes, ends}
}

/** Decodes batches of images in worker threads, so the model never waits on JPEG decoding. */
export class DecodePool {
  private readonly workers: Worker[] = []
  private readonly idle: Worker[] = []
  private readonly queue: PendingJob[] = []
  private readonly pending = new Map<number, PendingJob>()
  /** Pixel buffers handed back by `recycle`, sent out again to be filled. */
  private readonly spare: ArrayBuffer[] = []
  private nextId = 0

  /**
   * `threads` defaults to one per two cores (defaultThreadSplit). With an `encoder`, every worker
   * loads it and `encode` runs decode + encode of a batch in one worker.
   */
  constructor(
    private readonly config: PreprocessConfig,
    threads = defaultThreadSplit().decode,
    private readonly encoder?: PoolEncoder,
  ) {
    const file = workerFile()
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(file)
      if (encoder) worker.postMessage({kind: 'encoder', ...encoder} satisfies EncoderSetup)
      worker.on('message', (msg: DecodeResult) => {
        const job = this.pending.get(msg.id)
        this.pending.delete(msg.id)
        if (job) {
          const data = msg.features ?? msg.pixels
          if (data) job.resolve(data)
          else job.reject(new Error(msg.error ?? 'decode failed'))
        }
        this.release(worker)
      })
      worker.on('error', (error) => {
        for (const job of this.pending.values()) job.reject(error)
        this.pending.clear()
      })
      this.workers.push(worker)
      this.idle.push(worker)
    }
  }

  get size(): number {
    return this.workers.length
  }

  /** Whether the workers run an image encoder (`encode`). */
  get encodes(): boolean {
    return this.encoder !== undefined
  }

  private release(worker: Worker): void {
    const next = this.queue.shift()
    if (next) this.dispatch(worker, next)
    else this.idle.push(worker)
  }

  private dispatch(worker: Worker, job: PendingJob): void {
    const id = this.nextId++
    this.pending.set(id, job)
    const {bytes, ends} = pack(job.images)
    const buffer = this.spare.pop()
    const message: DecodeJob = {kind: 'batch', id, config: this.config, bytes, ends, buffer, encode: job.encode}
    worker.postMessage(message, buffer ? [bytes.buffer, buffer] : [bytes.buffer])
  }

  private submit(images: Uint8Array[], encode: boolean): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      const job = {images, encode, resolve, reject}
      const worker = this.idle.pop()
      if (worker) this.dispatch(worker, job)
      else this.queue.push(job)
    })
  }

  /** CHW float32 pixels of the batch, in order. */
  preprocess(images: Uint8Array[]): Promise<Float32Array> {
    return this.submit(images, false)
  }

  /** The image encoder's output for the batch ([n, d] row-major, not normalised); needs an `encoder`. */
  encode(images: Uint8Array[]): Promise<Float32Array> {
    if (!this.encoder) return Promise.reject(new Error('DecodePool.encode: the pool has no encoder'))
    return this.submit(images, true)
  }

  /**
   * Hands back pixels from `preprocess` that are no longer needed: their memory is refilled by a
   * later batch instead of allocating (and page-faulting, and collecting) tens of MB per batch.
   */
  recycle(pixels: Float32Array): void {
    if (pixels.buffer.byteLength > 0 && this.spare.length < 2 * this.workers.length) this.spare.push(pixels.buffer as ArrayBuffer)
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}
