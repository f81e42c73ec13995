import {mkdtemp, open, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {compareUids, UID_RECORD_BYTES, UID_RECORD_WORDS} from './uid.js'

/** Most significant first: which word of a record holds key byte b (see uid.ts for the layout). */
const WORD_OF_BYTE = [1, 1, 1, 1, 0, 0, 0, 0, 3, 3, 3, 3, 2, 2, 2, 2] as const
const INSERTION_SORT_BELOW = 24

/**
 * Sorts the first `count` uid records of `words` in place, ascending in uid order (duplicates kept).
 * MSD radix sort on key bytes with insertion sort for small buckets: uids are near-uniform, so two
 * or three passes separate them; a bucket whose records share a byte is not moved at all.
 */
export function sortUidRecords(words: Uint32Array, count: number = words.length / UID_RECORD_WORDS, scratch?: Uint32Array): void {
  const tmp = scratch && scratch.length >= count * UID_RECORD_WORDS ? scratch : new Uint32Array(count * UID_RECORD_WORDS)
  radixPass(words, tmp, 0, count, 0)
}

function radixPass(a: Uint32Array, tmp: Uint32Array, lo: number, hi: number, byte: number): void {
  const n = hi - lo
  if (n < INSERTION_SORT_BELOW) {
    insertionSort(a, lo, hi)
    return
  }
  if (byte >= 16) return // every key byte equal: duplicates
  const w = WORD_OF_BYTE[byte] as number
  const shift = 24 - 8 * (byte & 3)
  const counts = new Uint32Array(256)
  for (let i = lo; i < hi; i++) counts[(a[i * 4 + w]! >>> shift) & 255]!++
  const first = (a[lo * 4 + w]! >>> shift) & 255
  if (counts[first] === n) {
    radixPass(a, tmp, lo, hi, byte + 1)
    return
  }
  const next = new Uint32Array(256)
  let sum = lo
  for (let d = 0; d < 256; d++) {
    next[d] = sum
    sum += counts[d]!
  }
  for (let i = lo; i < hi; i++) {
    const s = i * 4
    const p = next[(a[s + w]! >>> shift) & 255]!++ * 4
    tmp[p] = a[s]!
    tmp[p + 1] = a[s + 1]!
    tmp[p + 2] = a[s + 2]!
    tmp[p + 3] = a[s + 3]!
  }
  a.set(tmp.subarray(lo * 4, hi * 4), lo * 4)
  let start = lo
  for (let d = 0; d < 256; d++) {
    const c = counts[d]!
    if (c > 1) radixPass(a, tmp, start, start + c, byte + 1)
    start += c
  }
}

function insertionSort(a: Uint32Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    if (compareUids(a, i - 1, a, i) <= 0) continue
    const s = i * 4
    const w0 = a[s]!
    const w1 = a[s + 1]!
    const w2 = a[s + 2]!
    const w3 = a[s + 3]!
    let j = i - 1
    while (j >= lo) {
      const t = j * 4
      const cmp = a[t + 1] !== w1 ? a[t + 1]! - w1 : a[t] !== w0 ? a[t]! - w0 : a[t + 3] !== w3 ? a[t + 3]! - w3 : a[t + 2]! - w2
      if (cmp <= 0) break
      a.copyWithin(t + 4, t, t + 4)
      j--
    }
    const t = (j + 1) * 4
    a[t] = w0
    a[t + 1] = w1
    a[t + 2] = w2
    a[t + 3] = w3
  }
}

/** true when the first `count` records are in ascending uid order (duplicates allowed). */
export function isSortedUids(words: Uint32Array, count: number = words.length / UID_RECORD_WORDS): boolean {
  for (let i = 1; i < count; i++) if (compareUids(words, i - 1, words, i) > 0) return false
  return true
}

export interface ExternalSortOptions {
  /** Memory for sorting, in bytes; half holds a run, half the radix scratch. Default 1 GiB. */
  memoryBytes?: number
  /** Where sorted runs go when the input exceeds memory (a temp folder is made inside). Default: os tmpdir. */
  tmpDir?: string
  /** Records per yielded chunk. Default 65,536. */
  chunkRecords?: number
  /** Called once per sorted run written to disk (external merge sort in use). */
  onRun?: (run: {index: number; records: number}) => void
}

/** Default sort memory: 1 GiB. */
export const DEFAULT_SORT_MEMORY = 1 << 30
const MIN_RUN_RECORDS = 1024
const MAX_FAN_IN = 128

/**
 * Sorts a stream of uid records of any length in bounded memory: records are gathered into runs of
 * `memoryBytes / 2`; one run is sorted and streamed straight out; more are written sorted to temp
 * files and merged (k-way, at most 128 at once, in passes if needed). Duplicates are kept. Temp
 * files are removed when the generator finishes or is abandoned.
 */
export async function* sortUidStream(input: AsyncIterable<Uint32Array>, options: ExternalSortOptions = {}): AsyncGenerator<Uint32Array> {
  const memory = options.memoryBytes ?? DEFAULT_SORT_MEMORY
  const runRecords = Math.max(MIN_RUN_RECORDS, Math.floor(memory / 2 / UID_RECORD_BYTES))
  const chunkRecords = options.chunkRecords ?? 65_536
  let run = new Uint32Array(Math.min(runRecords, 65_536) * UID_RECORD_WORDS)
  let filled = 0
  const runFiles: string[] = []
  let tmp: string | undefined
  const scratch = {words: undefined as Uint32Array | undefined}
  const flush = async (): Promise<void> => {
    tmp ??= await mkdtemp(join(options.tmpDir ?? tmpdir(), 'dcbench-sort-'))
    const file = join(tmp, `run-${runFiles.length}.bin`)
    sortUidRecords(run, filled, (scratch.words ??= new Uint32Array(run.length)))
    await writeWords(file, run.subarray(0, filled * UID_RECORD_WORDS))
    options.onRun?.({index: runFiles.length, records: filled})
    runFiles.push(file)
    filled = 0
  }
  try {
    for await (const chunk of input) {
      let offset = 0
      const records = chunk.length / UID_RECORD_WORDS
      while (offset < records) {
        if (filled === run.length / UID_RECORD_WORDS) {
          if (run.length / UID_RECORD_WORDS < runRecords) {
            // grow geometrically up to the run size, so small inputs use little memory
            const bigger = new Uint32Array(Math.min(runRecords, (run.length / UID_RECORD_WORDS) * 2) * UID_RECORD_WORDS)
            bigger.set(run)
            run = bigger
            scratch.words = undefined
          } else {
            await flush()
          }
        }
        const take = Math.min(records - offset, run.length / UID_RECORD_WORDS - filled)
        run.set(chunk.subarray(offset * UID_RECORD_WORDS, (offset + take) * UID_RECORD_WORDS), filled * UID_RECORD_WORDS)
        filled += take
        offset += take
      }
    }
    if (runFiles.length === 0) {
      sortUidRecords(run, filled, scratch.words)
      for (let i = 0; i < filled; i += chunkRecords) yield run.slice(i * UID_RECORD_WORDS, Math.min(filled, i + chunkRecords) * UID_RECORD_WORDS)
      return
    }
    if (filled > 0) await flush()
    run = new Uint32Array(0)
    scratch.words = undefined
    let files = runFiles.slice()
    let pass = 0
    while (files.length > MAX_FAN_IN) {
      const merged: string[] = []
      for (let g = 0; g < files.length; g += MAX_FAN_IN) {
        const file = join(tmp as string, `pass-${pass}-${g}.bin`)
        const handle = await open(file, 'w')
        try {
          for await (const out of mergeRuns(files.slice(g, g + MAX_FAN_IN), memory, chunkRecords)) await handle.write(wordsAsBytes(out))
        } finally {
          await handle.close()
        }
        merged.push(file)
      }
      await Promise.all(files.map((f) => rm(f, {force: true})))
      files = merged
      pass++
    }
    yield* mergeRuns(files, memory, chunkRecords)
  } finally {
    if (tmp) await rm(tmp, {recursive: true, force: true})
  }
}

async function writeWords(file: string, words: Uint32Array): Promise<void> {
  const handle = await open(file, 'w')
  try {
    const bytes = wordsAsBytes(words)
    let written = 0
    while (written < bytes.length) written += (await handle.write(bytes, written, Math.min(bytes.length - written, 1 << 26))).bytesWritten
  } finally {
    await handle.close()
  }
}

function wordsAsBytes(words: Uint32Array): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength)
}

/** A buffered reader of one sorted run file. */
class RunReader {
  words = new Uint32Array(0)
  index = 0
  count = 0
  private position = 0
  private handle: Awaited<ReturnType<typeof open>> | undefined
  constructor(
    private readonly file: string,
    private readonly bufferRecords: number,
  ) {}

  /** Loads the next buffer; false at the end of the run. */
  async refill(): Promise<boolean> {
    this.handle ??= await open(this.file, 'r')
    const buffer = new Uint8Array(this.bufferRecords * UID_RECORD_BYTES)
    const {bytesRead} = await this.handle.read(buffer, 0, buffer.length, this.position)
    this.position += bytesRead
    this.count = Math.floor(bytesRead / UID_RECORD_BYTES)
    this.words = new Uint32Array(buffer.buffer, 0, this.count * UID_RECORD_WORDS)
    this.index = 0
    if (this.count === 0) await this.close()
    return this.count > 0
  }

  async close(): Promise<void> {
    await this.handle?.close()
    this.handle = undefined
  }
}

async function* mergeRuns(files: string[], memory: number, chunkRecords: number): AsyncGenerator<Uint32Array> {
  const bufferRecords = Math.max(1024, Math.floor(memory / 2 / UID_RECORD_BYTES / Math.max(1, files.length)))
  const readers = files.map((f) => new RunReader(f, bufferRecords))
  try {
    const heap: RunReader[] = []
    for (const r of readers) if (await r.refill()) heap.push(r)
    const less = (x: RunReader, y: RunReader): boolean => compareUids(x.words, x.index, y.words, y.index) < 0
    const siftDown = (i: number): void => {
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r
        if (m === i) return
        const t = heap[i]!
        heap[i] = heap[m]!
        heap[m] = t
        i = m
      }
    }
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i)
    let out = new Uint32Array(chunkRecords * UID_RECORD_WORDS)
    let filled = 0
    while (heap.length > 0) {
      const top = heap[0]!
      const s = top.index * 4
      out.set(top.words.subarray(s, s + 4), filled * 4)
      filled++
      if (filled === chunkRecords) {
        yield out
        out = new Uint32Array(chunkRecords * UID_RECORD_WORDS)
        filled = 0
      }
      top.index++
      if (top.index === top.count && !(await top.refill())) {
        const last = heap.pop()!
        if (heap.length === 0) break
        heap[0] = last
      }
      siftDown(0)
    }
    if (filled > 0) yield out.subarray(0, filled * UID_RECORD_WORDS)
  } finally {
    await Promise.all(readers.map((r) => r.close()))
  }
}
