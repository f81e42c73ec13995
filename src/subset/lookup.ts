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
  return {path, format: info.format, size, unique, sortedInFile, fingerprint, count, has: (uid) => count(uid) > 0, records}
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
