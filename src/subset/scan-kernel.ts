import {UID_RECORD_BYTES} from '../pool/index.js'
import {SCAN_KERNEL_WASM} from './scan-kernel.wasm.js'

/**
 * The WebAssembly scan kernel (scan-kernel.wat) and its memory: a state block, then fixed record
 * buffers that readers fill in place, so the kernel reads records where the file reads put them.
 * The memory never grows — growing would detach every view of it — so it is sized up front for a
 * chunk size.
 */

/** Byte offsets of the kernel's state (scan-kernel.wat's layout). */
const KERNEL_STATE = {
  prev: 0,
  run: 16,
  maxRun: 24,
  unique: 32,
  strangerUnique: 40,
  strangerRecords: 48,
  bigRun: 56,
  started: 64,
  wantExamples: 72,
  checkIndex: 76,
  indexDone: 80,
  indexPtr: 84,
  indexCount: 88,
  indexPos: 92,
  event: 96,
  histogram: 128,
} as const
const STATE_BYTES = 1024
const WASM_PAGE = 65536

/** Why `scan` returned (flags). */
export const KernelEvent = {DESCENT: 1, NEED_INDEX: 2, BIG_RUN: 4, EXAMPLE: 8} as const

/** Runs up to this length are counted in the kernel's histogram; longer ones are reported one by one (BIG_RUN). */
export const KERNEL_HISTOGRAM_RUNS = 64

let compiled: WebAssembly.Module | undefined

/** Two buffers a read-ahead reader alternates between. */
export type RecordBufferPair = [Uint8Array, Uint8Array]

export class ScanKernel {
  private readonly memory: WebAssembly.Memory
  private readonly scanExport: (records: number, n: number, i: number) => number
  private readonly words: Int32Array
  private readonly counters: BigInt64Array
  /** Read-ahead buffers for the subset's records and for the index's. */
  readonly subsetBuffers: RecordBufferPair
  readonly indexBuffers: RecordBufferPair
  /** Where records that arrive outside the kernel's memory are copied to. */
  private readonly subsetStaging: Uint8Array
  private readonly indexStaging: Uint8Array

  /** @param chunkRecords the largest chunk any reader will put into the buffers */
  constructor(
    readonly chunkRecords: number,
    options: {checkIndex: boolean; wantExamples: boolean},
  ) {
    const chunkBytes = chunkRecords * UID_RECORD_BYTES
    const bytes = STATE_BYTES + 6 * chunkBytes
    this.memory = new WebAssembly.Memory({initial: Math.ceil(bytes / WASM_PAGE)})
    compiled ??= new WebAssembly.Module(SCAN_KERNEL_WASM)
    const instance = new WebAssembly.Instance(compiled, {env: {memory: this.memory}})
    this.scanExport = instance.exports.scan as ScanKernel['scanExport']
    const buffer = this.memory.buffer
    this.words = new Int32Array(buffer, 0, STATE_BYTES / 4)
    this.counters = new BigInt64Array(buffer, 0, STATE_BYTES / 8)
    const region = (k: number): Uint8Array => new Uint8Array(buffer, STATE_BYTES + k * chunkBytes, chunkBytes)
    this.subsetBuffers = [region(0), region(1)]
    this.indexBuffers = [region(2), region(3)]
    this.subsetStaging = region(4)
    this.indexStaging = region(5)
    this.setWord(KERNEL_STATE.checkIndex, options.checkIndex ? 1 : 0)
    // indexCount starts at 0 with indexDone 0: the first uid the kernel checks asks for an index chunk
    this.setWord(KERNEL_STATE.wantExamples, options.wantExamples ? 1 : 0)
  }

  /**
   * The kernel's address of a chunk's records: in place when a reader filled one of the kernel's
   * buffers, else after copying them to the staging buffer (chunks up to `chunkRecords`).
   */
  place(chunk: Uint32Array, as: 'subset' | 'index'): number {
    if (chunk.buffer === this.memory.buffer) return chunk.byteOffset
    const staging = as === 'subset' ? this.subsetStaging : this.indexStaging
    if (chunk.byteLength > staging.byteLength) throw new Error(`ScanKernel: a ${chunk.byteLength}-byte chunk exceeds the ${staging.byteLength}-byte staging buffer`)
    staging.set(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    return staging.byteOffset
  }

  /** Scans records [i, n) of the chunk at `address`; returns the next record to scan (see `event`). */
  scan(address: number, n: number, i: number): number {
    return this.scanExport(address, n, i)
  }

  /** Why the last `scan` returned: KernelEvent flags, 0 when it finished the chunk. */
  get event(): number {
    return this.words[KERNEL_STATE.event / 4] as number
  }

  /** Hands the kernel the next index chunk (already placed), or tells it the index has ended. */
  setIndexChunk(address: number, records: number, done: boolean): void {
    this.setWord(KERNEL_STATE.indexPtr, address)
    this.setWord(KERNEL_STATE.indexCount, records)
    this.setWord(KERNEL_STATE.indexPos, 0)
    this.setWord(KERNEL_STATE.indexDone, done ? 1 : 0)
  }

  stopExamples(): void {
    this.setWord(KERNEL_STATE.wantExamples, 0)
  }

  /** The previous distinct uid as a 4-word record. */
  previousRecord(): Uint32Array {
    return new Uint32Array(this.memory.buffer, KERNEL_STATE.prev, 4).slice()
  }

  counter(name: 'run' | 'maxRun' | 'unique' | 'strangerUnique' | 'strangerRecords' | 'bigRun'): number {
    return Number(this.counters[KERNEL_STATE[name] / 8])
  }

  get started(): boolean {
    return this.words[KERNEL_STATE.started / 4] === 1
  }

  /** histogram[k] for k in 1..KERNEL_HISTOGRAM_RUNS: distinct uids whose finished run had k records. */
  histogram(): Map<number, number> {
    const counts = new Map<number, number>()
    for (let k = 1; k <= KERNEL_HISTOGRAM_RUNS; k++) {
      const count = Number(this.counters[KERNEL_STATE.histogram / 8 + k])
      if (count > 0) counts.set(k, count)
    }
    return counts
  }

  private setWord(offset: number, value: number): void {
    this.words[offset / 4] = value
  }
}
