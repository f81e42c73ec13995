import {createHash, type Hash} from 'node:crypto'

import {readUidHex, UID_RECORD_WORDS} from '../pool/index.js'

/**
 * One streamed pass over a subset's records in file order — the core of `bench subset validate`.
 * Per record it checks ascending order against the record before, counts runs of equal uids
 * (repetition), and merge-joins each distinct uid against the sorted pool index (a second stream),
 * while the chunks go through sha256 for the fingerprint. Memory is the two streams' buffers,
 * whatever the subset size. Stops at the first record smaller than the one before it: the caller
 * then sorts and scans again.
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

const SMALL_RUNS = 64

export class SubsetScanner {
  private readonly hash: Hash = createHash('sha256')
  private records = 0
  private unique = 0
  private started = false
  private readonly prev = new Uint32Array(UID_RECORD_WORDS)
  private run = 0
  private maxRun = 0
  private readonly smallRuns = new Float64Array(SMALL_RUNS + 1)
  private readonly bigRuns = new Map<number, number>()
  private currentStranger = false
  private strangerUnique = 0
  private strangerRecords = 0
  private readonly examples: string[] = []
  private index: Uint32Array = new Uint32Array(0)
  private indexPos = 0
  private indexCount = 0
  private indexDone: boolean
  private readonly indexSource: AsyncIterator<Uint32Array> | undefined
  /** Set when the records turned out not to be ascending. */
  descent: Descent | undefined

  /**
   * @param indexRecords the pool index's records, ascending (`readUidIndexRecords`); omit to skip the membership check
   * @param maxExamples how many strangers to keep as examples
   */
  constructor(
    indexRecords?: AsyncIterable<Uint32Array>,
    private readonly maxExamples = 10,
  ) {
    this.indexSource = indexRecords?.[Symbol.asyncIterator]()
    this.indexDone = indexRecords === undefined
  }

  /**
   * Scans the next chunk of records (4 words each). Returns false — and sets `descent` — at the
   * first record smaller than the one before it; the scan is then over.
   */
  async add(chunk: Uint32Array): Promise<boolean> {
    if (this.descent) return false
    const n = chunk.length / UID_RECORD_WORDS
    this.hash.update(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    let i = 0
    while (i < n) {
      i = this.step(chunk, i, n)
      if (i < 0) {
        const at = -i - 1
        this.descent = {record: this.records + at, uid: readUidHex(chunk, at), previous: readUidHex(this.prev, 0)}
        return false
      }
      if (i < n) await this.nextIndexChunk()
    }
    this.records += n
    return true
  }

  private async nextIndexChunk(): Promise<void> {
    const next = await (this.indexSource as AsyncIterator<Uint32Array>).next()
    if (next.done) {
      this.indexDone = true
      this.index = new Uint32Array(0)
      this.indexCount = 0
    } else {
      this.index = next.value
      this.indexCount = next.value.length / UID_RECORD_WORDS
    }
    this.indexPos = 0
  }

  /**
   * Processes records [start, n) of R. Returns n when done, the record at which it needs the next
   * index chunk, or -(i + 1) when record i is smaller than the one before it. Hot loop: state is in
   * locals and written back on every exit.
   */
  private step(R: Uint32Array, start: number, n: number): number {
    let p0 = this.prev[0] as number
    let p1 = this.prev[1] as number
    let p2 = this.prev[2] as number
    let p3 = this.prev[3] as number
    let started = this.started
    let run = this.run
    let maxRun = this.maxRun
    let unique = this.unique
    let stranger = this.currentStranger
    let strangerRecords = this.strangerRecords
    const I = this.index
    const m = this.indexCount
    let q = this.indexPos
    const checkIndex = this.indexSource !== undefined
    const indexDone = this.indexDone
    const smallRuns = this.smallRuns
    let result = n
    for (let i = start; i < n; i++) {
      const o = i << 2
      const a1 = R[o + 1] as number
      const a0 = R[o] as number
      const a3 = R[o + 3] as number
      const a2 = R[o + 2] as number
      // Order against the record before. Fast path: the high 32 bits alone say "greater" (uids are
      // near-uniform, so this is almost every record); otherwise compare all four words.
      if (started && a1 <= p1) {
        if (a1 < p1) {
          result = -(i + 1)
          break
        }
        if (a0 === p0 && a3 === p3 && a2 === p2) {
          run++
          if (stranger) strangerRecords++
          continue
        }
        if (a0 < p0 || (a0 === p0 && (a3 < p3 || (a3 === p3 && a2 < p2)))) {
          result = -(i + 1)
          break
        }
      }
      let member = true
      if (checkIndex) {
        // advance the index to the first record ≥ this one: high words first, all words on a tie
        while (q < m && (I[(q << 2) + 1] as number) < a1) q++
        for (;;) {
          if (q === m) {
            member = false
            break
          }
          const b = q << 2
          const b1 = I[b + 1] as number
          if (b1 !== a1) {
            member = false // b1 > a1: nothing in the index has this uid's high bits
            break
          }
          const b0 = I[b] as number
          const b3 = I[b + 3] as number
          const b2 = I[b + 2] as number
          if (b0 < a0 || (b0 === a0 && (b3 < a3 || (b3 === a3 && b2 < a2)))) {
            q++
            continue
          }
          member = b0 === a0 && b3 === a3 && b2 === a2
          break
        }
        if (q === m && !indexDone) {
          // the index chunk ran out before a record ≥ this one: fetch more, then redo record i
          result = i
          break
        }
      }
      if (started) {
        if (run <= SMALL_RUNS) smallRuns[run]!++
        else this.bigRuns.set(run, (this.bigRuns.get(run) ?? 0) + 1)
        if (run > maxRun) maxRun = run
      }
      started = true
      unique++
      run = 1
      p0 = a0
      p1 = a1
      p2 = a2
      p3 = a3
      stranger = !member
      if (stranger) {
        this.strangerUnique++
        strangerRecords++
        if (this.examples.length < this.maxExamples) this.examples.push(readUidHex(R, i))
      }
    }
    this.prev[0] = p0
    this.prev[1] = p1
    this.prev[2] = p2
    this.prev[3] = p3
    this.started = started
    this.run = run
    this.maxRun = maxRun
    this.unique = unique
    this.currentStranger = stranger
    this.strangerRecords = strangerRecords
    this.indexPos = q
    return result
  }

  /** Ends the scan (drains nothing further from the index). */
  finish(): ScanResult {
    if (this.descent) throw new Error('SubsetScanner.finish after a descent')
    const histogram = new Map<number, number>()
    for (let k = 1; k <= SMALL_RUNS; k++) if (this.smallRuns[k]! > 0) histogram.set(k, this.smallRuns[k]!)
    for (const [k, v] of this.bigRuns) histogram.set(k, v)
    let maxRun = this.maxRun
    if (this.started) {
      histogram.set(this.run, (histogram.get(this.run) ?? 0) + 1)
      maxRun = Math.max(maxRun, this.run)
    }
    const sorted = [...histogram.entries()].sort((a, b) => a[0] - b[0])
    let repeatedUids = 0
    for (const [k, v] of sorted) if (k > 1) repeatedUids += v
    return {
      records: this.records,
      unique: this.unique,
      repetition: {repeatedUids, extraSamples: this.records - this.unique, maxRepeat: maxRun, histogram: Object.fromEntries(sorted.map(([k, v]) => [String(k), v]))},
      strangers: this.indexSource ? {unique: this.strangerUnique, records: this.strangerRecords, examples: this.examples.slice()} : undefined,
      sha256: this.hash.digest('hex'),
    }
  }

  /** Stops reading the index early (closes its file). */
  async close(): Promise<void> {
    await this.indexSource?.return?.()
  }
}
