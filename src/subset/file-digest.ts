import {availableParallelism} from 'node:os'
import {Worker} from 'node:worker_threads'

/**
 * sha256 of a byte range of a file, computed in a worker thread. sha256 is the largest single cost
 * of validating a sorted .npy (SHA-NI runs at ~1.8 GB/s; the merge-join needs about as long again),
 * so on a machine with a spare core the fingerprint is hashed beside the scan instead of inside it.
 * The worker reads the file itself — one more read of the subset from the page cache, cheaper than
 * handing it every chunk.
 */

/** Below this many bytes the worker's start-up (~30 ms) costs more than it saves. */
export const PARALLEL_DIGEST_MIN_BYTES = 64 * 2 ** 20

/** Whether a range of this size is worth hashing in a worker on this machine. */
export function worthParallelDigest(bytes: number): boolean {
  return bytes >= PARALLEL_DIGEST_MIN_BYTES && availableParallelism() > 1
}

// CommonJS, evaluated in the worker: no module file to resolve, from src/ or dist/ alike.
const WORKER_SOURCE = `
const {parentPort, workerData} = require('node:worker_threads')
const {createHash} = require('node:crypto')
const {openSync, readSync, closeSync} = require('node:fs')
const {path, offset, length} = workerData
const fd = openSync(path, 'r')
try {
  const hash = createHash('sha256')
  const buffer = Buffer.allocUnsafe(Math.min(length, 4 * 1024 * 1024))
  let done = 0
  while (done < length) {
    const got = readSync(fd, buffer, 0, Math.min(buffer.length, length - done), offset + done)
    if (got === 0) throw new Error('ended at byte ' + (offset + done) + ', before the ' + length + ' bytes expected')
    hash.update(buffer.subarray(0, got))
    done += got
  }
  parentPort.postMessage({sha256: hash.digest('hex')})
} catch (error) {
  parentPort.postMessage({error: String(error && error.message || error)})
} finally {
  closeSync(fd)
}
`

export class FileRangeDigest {
  private readonly worker: Worker
  private readonly result: Promise<string>

  constructor(range: {path: string; offset: number; length: number}) {
    this.worker = new Worker(WORKER_SOURCE, {eval: true, workerData: range})
    this.result = new Promise<string>((resolve, reject) => {
      this.worker.once('message', (message: {sha256?: string; error?: string}) => {
        if (message.sha256) resolve(message.sha256)
        else reject(new Error(`sha256 of ${range.path}: ${message.error}`))
      })
      this.worker.once('error', reject)
      this.worker.once('exit', (code) => reject(new Error(`sha256 of ${range.path}: worker exited (${code}) before its result`)))
    })
    // never an unhandled rejection when the caller cancels instead of awaiting
    this.result.catch(() => {})
  }

  /** The range's sha256 (hex), once the worker has read all of it. */
  digest(): Promise<string> {
    return this.result
  }

  /** Stops the worker (the scan ended early, or failed). */
  async cancel(): Promise<void> {
    await this.worker.terminate()
  }
}
