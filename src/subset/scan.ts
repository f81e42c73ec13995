import {createHash, type Hash} from 'node:crypto'

import {readUidHex, UID_RECORD_WORDS} from '../pool/index.js'
import {DEFAULT_CHUNK_RECORDS} from './chunks.js'
import type {FileRangeDigest} from './file-digest.js'
import {KernelEvent, ScanKernel, type RecordBufferPair} from './scan-kernel.js'

/**
 * One streamed pass over a subset's records in file order — the core of `bench subset validate`.
 * Per record it checks ascending order against the record before, counts runs of equal uids
 * (repetition), and merge-joins each distinct uid against the sorted pool index (a second stream),
 * while the chunks go through sha256 for the fingerprint. Memory is the two streams' buffers,
 * whatever the subset size. Stops at the first record smaller than the one before it: the caller
 * then sorts and scans again.
 *
 * The per-record work runs in a WebAssembly kernel (scan-kernel.wat, ~4× faster than the same loop
 * in JavaScript); this class feeds it the chunks and the index, hashes, and turns the kernel's
 * counters into a result.
 */

/** The records' repetition: how many distinct uids appear how many times. */
export interface RepetitionStats {
  /** Distinct uids that appear more than once. */
  repeatedUids: number
  /** Samples beyond the first copy of each uid (samples per pass − distinct uids). */
  extraSamples: number
  /** The largest number of times one uid appears (0 for an empty subset). */
  maxRepeat: number
  /** times → number of distinct uids used that many times, e.g. {"1": 9000, "2": 500}. */
  histogram: Record<string, number>
}

/** Uids not in the pool index. */
export interface StrangerStats {
  /** Distinct uids not in the pool. */
  unique: number
  /** Records (with repeats) of those uids. */
  records: number
  /** The first few (ascending order), 32-digit lowercase hex. */
  examples: string[]
}

export interface ScanResult {
  /** Records with repeats. */
  records: number
  /** Distinct uids. */
  unique: number
  repetition: RepetitionStats
  /** undefined when no index was given. */
  strangers?: StrangerStats
  /** sha256 (hex) of the records as scanned: the fingerprint when they were in ascending order. */
  sha256: string
}

/** Where a scan found records out of order. */
export interface Descent {
  /** 0-based record number of the first record smaller than the one before it. */
  record: number
  uid: string
  previous: string
}

export interface SubsetScannerOptions {
  /**
   * The pool index's records, ascending, read into the two buffers given (the scanner's, so they
   * reach the kernel without a copy); omit to skip the membership check.
   */
  index?: (buffers: RecordBufferPair) => AsyncIterable<Uint32Array>
  /** How many strangers to keep as examples (default 10). */
  maxExamples?: number
  /** The largest chunk a reader will hand over (default DEFAULT_CHUNK_RECORDS). */
  chunkRecords?: number
  /**
   * The sha256 of the records, computed elsewhere (a worker reading the same bytes from the file);
   * the scanner then hashes nothing itself.
   */
  digest?: FileRangeDigest
}

export class SubsetScanner {
  /** Hashes the chunks, unless a FileRangeDigest does it beside the scan. */
  private readonly hash: Hash | undefined
  private readonly digest: FileRangeDigest | undefined
  private readonly kernel: ScanKernel
  private records = 0
  private readonly bigRuns = new Map<number, number>()
  private readonly examples: string[] = []
  private readonly maxExamples: number
  private readonly indexSource: AsyncIterator<Uint32Array> | undefined
  /** What the kernel has not been handed yet of the index chunk last read. */
  private indexRest: Uint32Array = new Uint32Array(0)
  /** Set when the records turned out not to be ascending. */
  descent: Descent | undefined

  constructor(options: SubsetScannerOptions = {}) {
    this.maxExamples = options.maxExamples ?? 10
    this.digest = options.digest
    this.hash = options.digest ? undefined : createHash('sha256')
    this.kernel = new ScanKernel(options.chunkRecords ?? DEFAULT_CHUNK_RECORDS, {checkIndex: options.index !== undefined, wantExamples: this.maxExamples > 0})
    this.indexSource = options.index?.(this.kernel.indexBuffers)[Symbol.asyncIterator]()
  }

  /** Buffers for a reader of the subset's records: chunks read into them are scanned without a copy. */
  get subsetBuffers(): RecordBufferPair {
    return this.kernel.subsetBuffers
  }

  /**
   * Scans the next chunk of records (4 words each). Returns false — and sets `descent` — at the
   * first record smaller than the one before it; the scan is then over.
   */
  async add(chunk: Uint32Array): Promise<boolean> {
    if (this.descent) return false
    this.hash?.update(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    // a chunk larger than the kernel's buffers (from a reader that does not use them) goes in pieces
    const piece = this.kernel.chunkRecords * UID_RECORD_WORDS
    for (let start = 0; start < chunk.length; start += piece) {
      if (!(await this.scanPiece(chunk.subarray(start, start + piece)))) return false
    }
    return true
  }

  private async scanPiece(records: Uint32Array): Promise<boolean> {
    const {kernel} = this
    const n = records.length / UID_RECORD_WORDS
    const address = kernel.place(records, 'subset')
    let i = 0
    while (i < n) {
      i = kernel.scan(address, n, i)
      const event = kernel.event
      if (event === 0) continue
      if (event & KernelEvent.DESCENT) {
        this.descent = {record: this.records + i, uid: readUidHex(records, i), previous: readUidHex(kernel.previousRecord(), 0)}
        return false
      }
      if (event & KernelEvent.NEED_INDEX) await this.nextIndexChunk()
      if (event & KernelEvent.BIG_RUN) {
        const run = kernel.counter('bigRun')
        this.bigRuns.set(run, (this.bigRuns.get(run) ?? 0) + 1)
      }
      if (event & KernelEvent.EXAMPLE) {
        this.examples.push(readUidHex(records, i - 1))
        if (this.examples.length >= this.maxExamples) kernel.stopExamples()
      }
    }
    this.records += n
    return true
  }

  /** Hands the kernel the next piece of the index (chunks larger than its buffers go in pieces). */
  private async nextIndexChunk(): Promise<void> {
    if (this.indexRest.length === 0) {
      const next = await (this.indexSource as AsyncIterator<Uint32Array>).next()
      if (next.done) {
        this.kernel.setIndexChunk(0, 0, true)
        return
      }
      this.indexRest = next.value
    }
    const piece = this.indexRest.subarray(0, this.kernel.chunkRecords * UID_RECORD_WORDS)
    this.indexRest = this.indexRest.subarray(piece.length)
    this.kernel.setIndexChunk(this.kernel.place(piece, 'index'), piece.length / UID_RECORD_WORDS, false)
  }

  /** Ends the scan (drains nothing further from the index). */
  async finish(): Promise<ScanResult> {
    if (this.descent) throw new Error('SubsetScanner.finish after a descent')
    const {kernel} = this
    const histogram = kernel.histogram()
    for (const [k, v] of this.bigRuns) histogram.set(k, v)
    let maxRun = kernel.counter('maxRun')
    if (kernel.started) {
      // the last uid's run is still open
      const run = kernel.counter('run')
      histogram.set(run, (histogram.get(run) ?? 0) + 1)
      maxRun = Math.max(maxRun, run)
    }
    const sorted = [...histogram.entries()].sort((a, b) => a[0] - b[0])
    let repeatedUids = 0
    for (const [k, v] of sorted) if (k > 1) repeatedUids += v
    return {
      records: this.records,
      unique: kernel.counter('unique'),
      repetition: {repeatedUids, extraSamples: this.records - kernel.counter('unique'), maxRepeat: maxRun, histogram: Object.fromEntries(sorted.map(([k, v]) => [String(k), v]))},
      strangers: this.indexSource ? {unique: kernel.counter('strangerUnique'), records: kernel.counter('strangerRecords'), examples: this.examples.slice()} : undefined,
      sha256: this.hash ? this.hash.digest('hex') : await (this.digest as FileRangeDigest).digest(),
    }
  }

  /** Stops reading the index early (closes its file), and stops the digest worker if it still runs. */
  async close(): Promise<void> {
    await this.indexSource?.return?.()
    await this.digest?.cancel()
  }
}
