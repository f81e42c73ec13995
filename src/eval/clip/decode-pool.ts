import {existsSync} from 'node:fs'
import {availableParallelism} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Worker} from 'node:worker_threads'

import {packageRoot} from '../../util/paths.js'
import type {PreprocessConfig} from './preprocess.js'

function workerFile(): string {
  const beside = fileURLToPath(new URL('./decode-worker.js', import.meta.url))
  if (existsSync(beside)) return beside
  // Running from src/ (vitest, tsx): use the built worker.
  const built = join(packageRoot(), 'dist/eval/clip/decode-worker.js')
  if (existsSync(built)) return built
  throw new Error(`decode worker not found (${beside}, ${built}): run npm run build`)
}

/** Decodes batches of images in worker threads, so the model never waits on JPEG decoding. */
export class DecodePool {
  private readonly workers: Worker[] = []
  private readonly idle: Worker[] = []
  private readonly queue: {images: Uint8Array[]; resolve: (p: Float32Array) => void; reject: (e: Error) => void}[] = []
  private readonly pending = new Map<number, {resolve: (p: Float32Array) => void; reject: (e: Error) => void}>()
  private nextId = 0

  /** `threads` defaults to one per core: onnxruntime (half the cores, not spinning) mostly waits on decoding. */
  constructor(
    private readonly config: PreprocessConfig,
    threads = availableParallelism(),
  ) {
    const file = workerFile()
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(file)
      worker.on('message', (msg: {id: number; pixels?: Float32Array; error?: string}) => {
        const job = this.pending.get(msg.id)
        this.pending.delete(msg.id)
        if (job) {
          if (msg.pixels) job.resolve(msg.pixels)
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

  private release(worker: Worker): void {
    const next = this.queue.shift()
    if (next) this.dispatch(worker, next)
    else this.idle.push(worker)
  }

  private dispatch(worker: Worker, job: {images: Uint8Array[]; resolve: (p: Float32Array) => void; reject: (e: Error) => void}): void {
    const id = this.nextId++
    this.pending.set(id, job)
    worker.postMessage({id, config: this.config, images: job.images})
  }

  /** CHW float32 pixels of the batch, in order. */
  preprocess(images: Uint8Array[]): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      const job = {images, resolve, reject}
      const worker = this.idle.pop()
      if (worker) this.dispatch(worker, job)
      else this.queue.push(job)
    })
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}
