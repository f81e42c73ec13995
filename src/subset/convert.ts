import {resolve} from 'node:path'

import {DcbError} from '../errors.js'
import {sortUidStream} from '../pool/index.js'
import type {ProgressListener} from '../ui/progress.js'
import {readRecordChunks} from './chunks.js'
import {inspectSubset, readSubsetRecords, type SubsetFileInfo, type SubsetFormat} from './read.js'
import type {SubsetRecordLimit} from './record-limit.js'
import {largestRecordLimit} from './scale-limit.js'
import {OutOfOrder, subsetFormatForPath, writeSubset, type WriteSubsetResult} from './write.js'

/**
 * `bench subset convert IN OUT`: any subset format to any other (npy, raw, parquet, CSV; DataComp
 * uids or DCLM document ids alike). The output is the canonical form: records in ascending uid
 * order, repeats kept (npy/raw: k copies in a row; tables: one row with `repeat` k). `.npy` output is
 * byte-identical to `np.save` of the sorted `u8,u8` array. Written atomically.
 */

export interface ConvertSubsetOptions {
  input: string
  out: string
  /** Output format; default from OUT's extension (`.npy`, `.parquet`, `.csv`, anything else raw). */
  format?: SubsetFormat
  /** Tables: id column name; default the input's (tables) or `uid`. */
  idColumn?: string
  /**
   * The most records the input may hold (default: the largest budget of any scale, `largestRecordLimit`):
   * conversion writes every record, so a repeat count of 2^53 would otherwise never end.
   */
  recordLimit?: SubsetRecordLimit
  /** Memory for sorting an unsorted input (default 1 GiB). */
  memoryBytes?: number
  tmpDir?: string
  onProgress?: ProgressListener
}

export interface ConvertSubsetResult extends WriteSubsetResult {
  input: string
  inputFormat: SubsetFormat
  /** Whether the input was already in ascending order. */
  inputSorted: boolean
}

export const SUBSET_FORMATS: readonly SubsetFormat[] = ['npy', 'raw', 'parquet', 'csv']

/** Converts a subset file; see the module comment. */
export async function convertSubset(options: ConvertSubsetOptions): Promise<ConvertSubsetResult> {
  const info = await inspectSubset(options.input, {recordLimit: options.recordLimit ?? largestRecordLimit()})
  if (resolve(options.input) === resolve(options.out)) {
    throw new DcbError('DCB_SUBSET_OUTPUT', `subset convert: output ${options.out} is the input file; write to another path`)
  }
  const format = options.format ?? subsetFormatForPath(options.out)
  const idColumn = options.idColumn ?? info.idColumn ?? 'uid'
  let done = 0
  const counted = async function* (source: AsyncIterable<Uint32Array>): AsyncGenerator<Uint32Array> {
    for await (const chunk of source) {
      done += chunk.length / 4
      options.onProgress?.({done, total: info.records})
      yield chunk
    }
  }
  try {
    const written = await writeSubset({out: options.out, format, idColumn, records: counted(fileOrder(info))})
    return {...written, input: options.input, inputFormat: info.format, inputSorted: true}
  } catch (error) {
    if (!(error instanceof OutOfOrder)) throw error
  }
  done = 0
  const sorted = sortUidStream(readSubsetRecords(info), {memoryBytes: options.memoryBytes, tmpDir: options.tmpDir})
  const written = await writeSubset({out: options.out, format, idColumn, records: counted(sorted)})
  return {...written, input: options.input, inputFormat: info.format, inputSorted: false}
}

function fileOrder(info: SubsetFileInfo): AsyncIterable<Uint32Array> {
  if (info.format === 'npy' || info.format === 'raw') {
    return readRecordChunks({path: info.path, offset: info.npy?.dataOffset ?? 0, count: info.records ?? 0, describe: `subset ${info.path}`})
  }
  return readSubsetRecords(info)
}
