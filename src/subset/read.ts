import {access, constants, open, stat} from 'node:fs/promises'

import {DcbError} from '../errors.js'
import {openTable, tableFormatOf, describeRow, UID_RECORD_BYTES, UID_RECORD_WORDS, writeUidHex, assertLittleEndianHost, type TableFormat} from '../pool/index.js'
import {checkUidArrayHeader, NPY_MAGIC, parseNpyHeader, type NpyHeader} from './npy.js'

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
  /** Things that load but deserve a note (e.g. a read-only raw file the resharder cannot open r+). */
  warnings: string[]
}

/** Id column names accepted in table subsets. */
export const SUBSET_ID_COLUMNS = ['uid', 'id'] as const
export const SUBSET_REPEAT_COLUMN = 'repeat'

/** Opens a subset file and checks everything that can be checked before reading records. */
export async function inspectSubset(path: string): Promise<SubsetFileInfo> {
  assertLittleEndianHost()
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new DcbError('DCB_SUBSET_FORMAT', `subset ${path}: ${error.code === 'ENOENT' ? 'no such file' : `cannot read (${error.code})`}`)
  })
  if (info.isDirectory()) throw new DcbError('DCB_SUBSET_FORMAT', `subset ${path}: is a directory; expected a .npy, raw, .parquet or .csv file`)
  const bytes = info.size
  const table = tableFormatOf(path)
  if (table) {
    const opened = await openTable({file: path, idColumns: SUBSET_ID_COLUMNS, repeatColumn: SUBSET_REPEAT_COLUMN, errorCode: 'DCB_SUBSET_FORMAT', role: 'subset'})
    return {path, format: table, bytes, idColumn: opened.idColumn, repeatColumn: opened.repeatColumn, warnings: []}
  }
  if (bytes === 0) throw new DcbError('DCB_SUBSET_FORMAT', `subset ${path}: empty file (0 bytes); expected an npy or raw file of 16-byte uid records`)
  const head = await readHead(path, Math.min(bytes, 1 << 16))
  if (head.length >= 6 && Buffer.from(head.subarray(0, 6)).equals(NPY_MAGIC)) {
    let header: NpyHeader
    try {
      header = parseNpyHeader(path, head, bytes)
    } catch (error) {
      if (!(error instanceof RangeError)) throw error
      // a header longer than the first 64 KiB (legal in v2/v3): read it whole
      header = parseNpyHeader(path, await readHead(path, Math.min(bytes, Number(/\d+/.exec(error.message)?.[0]))), bytes)
    }
    const records = checkUidArrayHeader(path, header, bytes)
    return {path, format: 'npy', bytes, records, npy: header, warnings: []}
  }
  if (bytes % UID_RECORD_BYTES !== 0) {
    throw new DcbError(
      'DCB_SUBSET_FORMAT',
      `subset ${path}: ${bytes} bytes is not a whole number of 16-byte uid records and the file has no npy header (starts ${Buffer.from(head.subarray(0, 6)).toString('hex')}, not 934e554d5059)`,
    )
  }
  const warnings: string[] = []
  if (!(await access(path, constants.W_OK).then(() => true, () => false))) {
    // datacomp spec §2.3: the resharder memory-maps raw files with mode "r+" [inferred]
    warnings.push('raw file is read-only: the DataComp resharder opens raw subsets with np.memmap(mode="r+") and would fail')
  }
  return {path, format: 'raw', bytes, records: bytes / UID_RECORD_BYTES, warnings}
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
  /** Records per chunk for npy/raw (default 1 Mi = 16 MiB). */
  chunkRecords?: number
  /**
   * Called for each row whose repeat is not a non-negative integer; the row is skipped. Without it,
   * such a row is an error (exit 1).
   */
  onInvalidRepeat?: (problem: InvalidRepeat) => void
}

/**
 * The records of a subset in file order, as chunks of 4-word records (see pool/uid.ts). The chunks
 * of npy/raw files are views of one reused buffer: copy what must outlive the next chunk.
 */
export async function* readSubsetRecords(info: SubsetFileInfo, options: ReadSubsetOptions = {}): AsyncGenerator<Uint32Array> {
  if (info.format === 'npy' || info.format === 'raw') {
    yield* readBinaryRecords(info, options.chunkRecords ?? 1 << 20)
    return
  }
  yield* readTableRecords(info, options)
}

async function* readBinaryRecords(info: SubsetFileInfo, chunkRecords: number): AsyncGenerator<Uint32Array> {
  const handle = await open(info.path, 'r')
  try {
    const offset = info.npy?.dataOffset ?? 0
    const total = info.records ?? 0
    const buffer = new Uint8Array(Math.min(Math.max(total, 1), chunkRecords) * UID_RECORD_BYTES)
    let done = 0
    while (done < total) {
      const want = Math.min(total - done, chunkRecords) * UID_RECORD_BYTES
      let got = 0
      while (got < want) {
        const {bytesRead} = await handle.read(buffer, got, want - got, offset + done * UID_RECORD_BYTES + got)
        if (bytesRead === 0) throw new DcbError('DCB_SUBSET_FORMAT', `subset ${info.path}: ended at byte ${offset + done * UID_RECORD_BYTES + got}, before the ${total} uids it declares`)
        got += bytesRead
      }
      done += want / UID_RECORD_BYTES
      yield new Uint32Array(buffer.buffer, 0, want / 4)
    }
  } finally {
    await handle.close()
  }
}

async function* readTableRecords(info: SubsetFileInfo, options: ReadSubsetOptions): AsyncGenerator<Uint32Array> {
  const format = info.format as TableFormat
  const table = await openTable({file: info.path, idColumns: SUBSET_ID_COLUMNS, repeatColumn: SUBSET_REPEAT_COLUMN, errorCode: 'DCB_SUBSET_FORMAT', role: 'subset'})
  for await (const batch of table.batches()) {
    let capacity = batch.ids.length
    let words = new Uint32Array(capacity * UID_RECORD_WORDS)
    let filled = 0
    for (const [i, id] of batch.ids.entries()) {
      const row = batch.rowStart + i
      let repeat = 1
      if (batch.repeats) {
        const parsed = parseRepeat(batch.repeats[i])
        if (parsed === undefined) {
          const problem = {where: describeRow(format, row), value: batch.repeats[i]}
          if (!options.onInvalidRepeat) {
            throw new DcbError('DCB_SUBSET_INVALID', `subset ${info.path}, ${problem.where}: repeat ${JSON.stringify(stringifyValue(problem.value))} is not a non-negative integer`)
          }
          options.onInvalidRepeat(problem)
          continue
        }
        repeat = parsed
      }
      if (typeof id !== 'string' || !/^[0-9a-fA-F]{1,32}$/.test(id)) {
        throw new DcbError('DCB_SUBSET_FORMAT', `subset ${info.path}, ${describeRow(format, row)}: ${info.idColumn} ${JSON.stringify(stringifyValue(id))} is not 1–32 hex digits`)
      }
      if (filled + repeat > capacity) {
        capacity = Math.max(capacity * 2, filled + repeat)
        const bigger = new Uint32Array(capacity * UID_RECORD_WORDS)
        bigger.set(words.subarray(0, filled * UID_RECORD_WORDS))
        words = bigger
      }
      for (let k = 0; k < repeat; k++) writeUidHex(id, words, filled++)
    }
    if (filled > 0) yield words.subarray(0, filled * UID_RECORD_WORDS)
  }
}

/** Repeat values a table may hold: integers ≥ 0, as numbers, bigints or digit strings ("" = 1). */
function parseRepeat(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return 1
  if (typeof value === 'bigint') return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value.trim())
  return undefined
}

function stringifyValue(value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
