import {access, constants, open, stat} from 'node:fs/promises'

import {DcbError} from '../errors.js'
import {openTable, tableFormatOf, describeRow, UID_RECORD_BYTES, UID_RECORD_WORDS, writeUidHex, assertLittleEndianHost, type TableFormat} from '../pool/index.js'
import {fileKind} from '../util/regular-file.js'
import {DEFAULT_CHUNK_RECORDS, readRecordChunks} from './chunks.js'
import {checkUidArrayHeader, NPY_MAGIC, parseNpyHeader, type NpyHeader} from './npy.js'
import {checkRecordLimit, type SubsetRecordLimit} from './record-limit.js'

/**
 * Reading participant subsets in every format dcbench accepts:
 *
 * - `npy`: numpy `.npy` of dtype `u8,u8` (datacomp spec §2.3), any header version;
 * - `raw`: the headerless N×16-byte form the resharder memory-maps — chosen, like the resharder
 *   does, whenever the first 6 bytes are not `\x93NUMPY`;
 * - `parquet` / `csv`: a `uid` column (DCLM: `uid` or `id`) of 1–32 hex digits, and an optional
 *   `repeat` column — a non-negative integer, the times the sample is used per pass (0 = not used).
 *
 * Records come out in file order; a row with repeat k gives k records, so every format yields the
 * same multiset for the same subset.
 */

export type SubsetFormat = 'npy' | 'raw' | TableFormat

/** What a subset file is, before its records are read. */
export interface SubsetFileInfo {
  path: string
  format: SubsetFormat
  /** File size in bytes. */
  bytes: number
  /** npy/raw: records in the file (with repeats). Tables: unknown until read. */
  records?: number
  /** npy: the parsed header. */
  npy?: NpyHeader
  /** Tables: the id and repeat column names found. */
  idColumn?: string
  repeatColumn?: string
  /** The most records the reader lets through (the scale's budget); see record-limit.ts. */
  recordLimit: SubsetRecordLimit
  /** Things that load but deserve a note (e.g. a read-only raw file the resharder cannot open r+). */
  warnings: string[]
}

/** Id column names accepted in table subsets. */
export const SUBSET_ID_COLUMNS = ['uid', 'id'] as const
export const SUBSET_REPEAT_COLUMN = 'repeat'

/**
 * numpy's `_MAX_HEADER_SIZE` (numpy/lib/format.py, numpy ≥ 1.24): `np.load` refuses a longer header
 * unless told it is trusted, so no subset the resharder loads has one.
 */
export const NPY_MAX_HEADER_BYTES = 10_000

/**
 * Opens a subset file and checks everything that can be checked before reading records: that it is
 * a regular file (a FIFO would block, a device never end), its format and header, and — for npy/raw
 * files and parquet row counts — that it holds no more records than `recordLimit`.
 */
export async function inspectSubset(path: string, options: {recordLimit: SubsetRecordLimit}): Promise<SubsetFileInfo> {
  assertLittleEndianHost()
  const {recordLimit} = options
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new DcbError('DCB_SUBSET_FORMAT', `subset ${path}: ${error.code === 'ENOENT' ? 'no such file' : `cannot read (${error.code})`}`)
  })
  if (info.isDirectory()) throw new DcbError('DCB_SUBSET_FORMAT', `subset ${path}: is a directory; expected a .npy, raw, .parquet or .csv file`)
  if (!info.isFile()) throw new DcbError('DCB_SUBSET_FORMAT', `subset ${path}: not a regular file (${fileKind(info)}); expected a .npy, raw, .parquet or .csv file`)
  const bytes = info.size
  const table = tableFormatOf(path)
  if (table) {
    const opened = await openTable({file: path, idColumns: SUBSET_ID_COLUMNS, repeatColumn: SUBSET_REPEAT_COLUMN, errorCode: 'DCB_SUBSET_FORMAT', role: 'subset'})
    if (opened.rows !== undefined) checkRecordLimit(recordLimit, opened.rows, `${path}: ${opened.rows} rows`)
    return {path, format: table, bytes, idColumn: opened.idColumn, repeatColumn: opened.repeatColumn, recordLimit, warnings: []}
  }
  if (bytes === 0) throw new DcbError('DCB_SUBSET_FORMAT', `subset ${path}: empty file (0 bytes); expected an npy or raw file of 16-byte uid records`)
  const head = await readHead(path, Math.min(bytes, NPY_MAX_HEADER_BYTES + 12))
  if (head.length >= 6 && Buffer.from(head.subarray(0, 6)).equals(NPY_MAGIC)) {
    let header: NpyHeader
    try {
      header = parseNpyHeader(path, head, bytes)
    } catch (error) {
      if (!(error instanceof RangeError)) throw error
      throw new DcbError('DCB_SUBSET_FORMAT', `subset ${path}: npy header of ${Number(/\d+/.exec(error.message)?.[0])} bytes, longer than the ${NPY_MAX_HEADER_BYTES} numpy's np.load accepts (max_header_size)`)
    }
    const records = checkUidArrayHeader(path, header, bytes)
    checkRecordLimit(recordLimit, records, `${path}: ${records} records (repeats counted)`)
    return {path, format: 'npy', bytes, records, npy: header, recordLimit, warnings: []}
  }
  if (bytes % UID_RECORD_BYTES !== 0) {
    throw new DcbError(
      'DCB_SUBSET_FORMAT',
      `subset ${path}: ${bytes} bytes is not a whole number of 16-byte uid records and the file has no npy header (starts ${Buffer.from(head.subarray(0, 6)).toString('hex')}, not 934e554d5059)`,
    )
  }
  checkRecordLimit(recordLimit, bytes / UID_RECORD_BYTES, `${path}: ${bytes / UID_RECORD_BYTES} records (repeats counted)`)
  const warnings: string[] = []
  if (!(await access(path, constants.W_OK).then(() => true, () => false))) {
    // datacomp spec §2.3: the resharder memory-maps raw files with mode "r+" [inferred]
    warnings.push('raw file is read-only: the DataComp resharder opens raw subsets with np.memmap(mode="r+") and would fail')
  }
  return {path, format: 'raw', bytes, records: bytes / UID_RECORD_BYTES, recordLimit, warnings}
}

async function readHead(path: string, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r')
  try {
    const buf = Buffer.alloc(length)
    const {bytesRead} = await handle.read(buf, 0, length, 0)
    return buf.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** A row of a table subset whose repeat value is not a non-negative integer. */
export interface InvalidRepeat {
  /** "line 14" / "row 12". */
  where: string
  value: unknown
}

export interface ReadSubsetOptions {
  /** Records per chunk (default DEFAULT_CHUNK_RECORDS = 4 MiB): a table's repeats are expanded a chunk at a time. */
  chunkRecords?: number
  /**
   * Called for each row whose repeat is not a non-negative integer; the row is skipped. Without it,
   * such a row is an error (exit 1).
   */
  onInvalidRepeat?: (problem: InvalidRepeat) => void
}

/**
 * The records of a subset in file order, as chunks of 4-word records (see pool/uid.ts). The chunks
 * of npy/raw files are views of one reused buffer: copy what must outlive the next chunk. A table
 * row's repeat count, the rows and the records so far are checked against the file's record limit
 * before anything is expanded (DCB_SUBSET_TOO_LARGE).
 */
export async function* readSubsetRecords(info: SubsetFileInfo, options: ReadSubsetOptions = {}): AsyncGenerator<Uint32Array> {
  const chunkRecords = options.chunkRecords ?? DEFAULT_CHUNK_RECORDS
  if (info.format === 'npy' || info.format === 'raw') {
    yield* readRecordChunks({path: info.path, offset: info.npy?.dataOffset ?? 0, count: info.records ?? 0, chunkRecords, describe: `subset ${info.path}`})
    return
  }
  yield* readTableRecords(info, chunkRecords, options)
}

async function* readTableRecords(info: SubsetFileInfo, chunkRecords: number, options: ReadSubsetOptions): AsyncGenerator<Uint32Array> {
  const format = info.format as TableFormat
  const limit = info.recordLimit
  const table = await openTable({file: info.path, idColumns: SUBSET_ID_COLUMNS, repeatColumn: SUBSET_REPEAT_COLUMN, errorCode: 'DCB_SUBSET_FORMAT', role: 'subset'})
  const record = new Uint32Array(UID_RECORD_WORDS)
  let words = new Uint32Array(chunkRecords * UID_RECORD_WORDS)
  let filled = 0
  let total = 0
  for await (const batch of table.batches()) {
    for (const [i, id] of batch.ids.entries()) {
      const row = batch.rowStart + i
      const where = `${info.path}, ${describeRow(format, row)}`
      checkRecordLimit(limit, row + 1, `${where}: ${row + 1} rows`)
      let repeat = 1
      if (batch.repeats) {
        const parsed = parseRepeat(batch.repeats[i])
        if (parsed === undefined) {
          const problem = {where: describeRow(format, row), value: batch.repeats[i]}
          if (!options.onInvalidRepeat) {
            throw new DcbError('DCB_SUBSET_INVALID', `subset ${where}: repeat ${JSON.stringify(stringifyValue(problem.value))} is not a non-negative integer`)
          }
          options.onInvalidRepeat(problem)
          continue
        }
        // exact (a bigint) until it is known to fit the limit, so 2^53 + 1 is not read as 2^53
        checkRecordLimit(limit, parsed, `${where}: repeat ${parsed}`)
        repeat = Number(parsed)
      }
      if (typeof id !== 'string' || !/^[0-9a-fA-F]{1,32}$/.test(id)) {
        throw new DcbError('DCB_SUBSET_FORMAT', `subset ${where}: ${info.idColumn} ${JSON.stringify(stringifyValue(id))} is not 1–32 hex digits`)
      }
      total += repeat
      checkRecordLimit(limit, total, `${where}: the rows so far hold ${total} records (repeats counted)`)
      writeUidHex(id, record, 0)
      // k copies of the record, a chunk at a time: memory is one chunk whatever the repeat count
      for (let left = repeat; left > 0; ) {
        const n = Math.min(left, chunkRecords - filled)
        fillRecord(words, filled, n, record)
        filled += n
        left -= n
        if (filled === chunkRecords) {
          yield words
          words = new Uint32Array(chunkRecords * UID_RECORD_WORDS)
          filled = 0
        }
      }
    }
  }
  if (filled > 0) yield words.subarray(0, filled * UID_RECORD_WORDS)
}

/** Writes `count` copies of a 4-word record from record `at` on, doubling the copied run each step. */
function fillRecord(words: Uint32Array, at: number, count: number, record: Uint32Array): void {
  const start = at * UID_RECORD_WORDS
  const end = start + count * UID_RECORD_WORDS
  words.set(record, start)
  for (let have = start + UID_RECORD_WORDS; have < end; ) {
    const length = Math.min(have - start, end - have)
    words.copyWithin(have, start, start + length)
    have += length
  }
}

/** Repeat values a table may hold: integers ≥ 0, as numbers, bigints or digit strings ("" = 1); exact, as a bigint. */
function parseRepeat(value: unknown): bigint | undefined {
  if (value === null || value === undefined || value === '') return 1n
  if (typeof value === 'bigint') return value >= 0n ? value : undefined
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? BigInt(value) : undefined
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return BigInt(value.trim())
  return undefined
}

function stringifyValue(value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
