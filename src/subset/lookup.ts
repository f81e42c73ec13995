import {createHash} from 'node:crypto'

import {compareUids, isSortedUids, recordBytes, sortUidRecords, UID_RECORD_WORDS, uidRecord} from '../pool/index.js'
import {inspectSubset, readSubsetRecords, type SubsetFormat} from './read.js'
import type {SubsetRecordLimit} from './record-limit.js'
import {largestRecordLimit} from './scale-limit.js'

/**
 * A subset loaded for lookups — what a resharder asks per pool sample: how many times is this uid
 * (or DCLM document id) in the subset? Holds the sorted records in memory (16 bytes per record, as
 * the official resharder's `np.load` does).
 */
export interface SubsetLookup {
  path: string
  format: SubsetFormat
  /** Records with repeats: the samples one pass over the subset uses. */
  size: number
  /** Distinct uids. */
  unique: number
  /** Whether the file itself was in ascending order (an unsorted npy silently loses matches in the official resharder). */
  sortedInFile: boolean
  /** sha256 of the canonical sorted uid list (see `fingerprintOfSorted`). */
  fingerprint: string
  /** Times a uid (hex, 1–32 digits) is in the subset; 0 when absent. Throws on a non-hex uid. */
  count(uid: string): number
  /** `count(uid) > 0`. */
  has(uid: string): boolean
  /**
   * What a resharder asks per pool record: the uid's count, and marks it found. `again` is true when
   * an earlier pool record already had this uid (a duplicate across shards or files); `position`
   * names the uid for `markFound` (its first record's index), -1 when the subset lacks it.
   */
  take(uid: string): {count: number; again: boolean; position: number}
  /** Marks the uid at `position` found, as `take` did in an interrupted run being resumed. */
  markFound(position: number): void
  /** Subset records (repeats counted) whose uid no pool record has had: the resharder's "not found". */
  missing(): number
  /** The sorted records (4 words each, see pool/uid.ts). */
  records: Uint32Array
}

/**
 * Loads any subset format (npy, raw, parquet, CSV) for lookups. A file of more records than
 * `recordLimit` (the scale's budget; default the largest of any scale) is refused before it is read,
 * so memory stays within 16 bytes × the limit.
 */
export async function loadSubset(path: string, options: {recordLimit?: SubsetRecordLimit} = {}): Promise<SubsetLookup> {
  const info = await inspectSubset(path, {recordLimit: options.recordLimit ?? largestRecordLimit()})
  const parts: Uint32Array[] = []
  let total = 0
  for await (const chunk of readSubsetRecords(info)) {
    parts.push(chunk.slice())
    total += chunk.length
  }
  const records = new Uint32Array(total)
  let offset = 0
  for (const part of parts) {
    records.set(part, offset)
    offset += part.length
  }
  const size = total / UID_RECORD_WORDS
  const sortedInFile = isSortedUids(records, size)
  if (!sortedInFile) sortUidRecords(records, size)
  let unique = size > 0 ? 1 : 0
  for (let i = 1; i < size; i++) if (compareUids(records, i - 1, records, i) !== 0) unique++
  const fingerprint = createHash('sha256').update(recordBytes(records)).digest('hex')
  const count = (uid: string): number => {
    const key = uidRecord(uid)
    return bound(records, size, key, 1) - bound(records, size, key, 0)
  }
  // one bit per record, set at the first record of each uid found: size / 8 bytes
  const found = new Uint8Array(Math.ceil(size / 8))
  const isFound = (i: number): boolean => ((found[i >>> 3] as number) & (1 << (i & 7))) !== 0
  const markFound = (i: number): void => {
    if (!Number.isInteger(i) || i < 0 || i >= size) throw new RangeError(`markFound: no record ${i}`)
    found[i >>> 3] = (found[i >>> 3] as number) | (1 << (i & 7))
  }
  const take = (uid: string): {count: number; again: boolean; position: number} => {
    const key = uidRecord(uid)
    const first = bound(records, size, key, 0)
    const n = bound(records, size, key, 1) - first
    if (n === 0) return {count: 0, again: false, position: -1}
    const again = isFound(first)
    markFound(first)
    return {count: n, again, position: first}
  }
  const missing = (): number => {
    let total = 0
    for (let i = 0; i < size; ) {
      let j = i + 1
      while (j < size && compareUids(records, i, records, j) === 0) j++
      if (!isFound(i)) total += j - i
      i = j
    }
    return total
  }
  return {path, format: info.format, size, unique, sortedInFile, fingerprint, count, has: (uid) => count(uid) > 0, take, markFound, missing, records}
}

/** First index whose record is ≥ key (upper = 0) or > key (upper = 1). */
function bound(records: Uint32Array, size: number, key: Uint32Array, upper: 0 | 1): number {
  let lo = 0
  let hi = size
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareUids(records, mid, key, 0) < upper) lo = mid + 1
    else hi = mid
  }
  return lo
}
