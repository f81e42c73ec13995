import {createReadStream} from 'node:fs'

import {parse as parseCsv} from 'csv-parse'
import {asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type FileMetaData} from 'hyparquet'
import {compressors} from 'hyparquet-compressors'

import {DcbError, type ErrorCode} from '../errors.js'
import {regularFileSize} from '../util/regular-file.js'

/**
 * Reads the id column (and optionally a repeat column) of a table file: Parquet (hyparquet, with
 * every codec of hyparquet-compressors) or CSV (csv-parse, header line required). Both DataComp
 * pool metadata (`uid` column, datacomp spec §2.2) and participants' parquet/CSV subsets go through
 * here; values are returned as read, callers check them.
 */

/**
 * Longest CSV record (header or row) read, in characters. Subset rows hold a uid and a repeat count
 * and pool metadata rows a caption and a URL; a record longer than this is refused, so a file
 * without line ends (a sparse 10 GiB file of NUL bytes) is not read into one endless field.
 */
export const CSV_MAX_RECORD_CHARS = 1 << 20
/**
 * Largest parquet row group read, in rows, and in uncompressed bytes of the columns read: a group is
 * decoded whole, one object per row. DataComp's metadata files hold ~490,000 rows each (spec §2.1).
 */
export const PARQUET_MAX_GROUP_ROWS = 1 << 21
export const PARQUET_MAX_GROUP_BYTES = 256 << 20

/** A table format dcbench reads. */
export type TableFormat = 'parquet' | 'csv'

/** The table format of a file name, or undefined. */
export function tableFormatOf(file: string): TableFormat | undefined {
  if (/\.parquet$/i.test(file)) return 'parquet'
  if (/\.csv$/i.test(file)) return 'csv'
  return undefined
}

/** A batch of rows. */
export interface TableBatch {
  /** 0-based index of the first row of the batch among the data rows. */
  rowStart: number
  /** The id column's values. */
  ids: unknown[]
  /** The repeat column's values, when it was asked for and exists. */
  repeats?: unknown[]
}

/** Where a row is, for messages: "row 12" (parquet) or "line 14" (CSV: header is line 1). */
export function describeRow(format: TableFormat, row: number): string {
  return format === 'csv' ? `line ${row + 2}` : `row ${row}`
}

export interface ReadTableOptions {
  file: string
  /** Candidate names of the id column; the first present is used. */
  idColumns: readonly string[]
  /** Name of an optional repeat column. */
  repeatColumn?: string
  /** Error code for problems (the caller's domain). */
  errorCode: ErrorCode
  /** What the file is, for messages ("pool metadata", "subset"). */
  role: string
}

/** The columns a reader found, before any rows are read. */
export interface TableColumns {
  format: TableFormat
  columns: string[]
  idColumn: string
  repeatColumn?: string
  /** Data rows, when the file says before it is read (parquet metadata). */
  rows?: number
}

/**
 * Opens a table: checks that it is a regular file (a FIFO would block), its format and its columns
 * (each name once), then yields its rows in batches.
 */
export async function openTable(options: ReadTableOptions): Promise<TableColumns & {batches: () => AsyncGenerator<TableBatch>}> {
  const format = tableFormatOf(options.file)
  if (!format) throw new DcbError(options.errorCode, `${options.role} ${options.file}: not a table file; expected .parquet or .csv`)
  await regularFileSize(options.file, {code: options.errorCode, what: `${options.role} ${options.file}`})
  return format === 'parquet' ? openParquet(options) : openCsv(options)
}

function pickColumns(options: ReadTableOptions, format: TableFormat, columns: string[]): TableColumns {
  // a name twice would leave the reader to pick one reading of the row: refuse, as pandas would rename
  const first = new Map<string, number>()
  for (const [i, name] of columns.entries()) {
    const before = first.get(name)
    if (before !== undefined) {
      throw new DcbError(options.errorCode, `${options.role} ${options.file}: column '${name}' appears twice (columns ${before + 1} and ${i + 1}); every column name must be unique`)
    }
    first.set(name, i)
  }
  const idColumn = options.idColumns.find((c) => columns.includes(c))
  if (!idColumn) {
    throw new DcbError(
      options.errorCode,
      `${options.role} ${options.file}: no ${options.idColumns.map((c) => `'${c}'`).join(' or ')} column; columns are ${columns.length > 0 ? columns.map((c) => `'${c}'`).join(', ') : '(none)'}`,
    )
  }
  const repeatColumn = options.repeatColumn && columns.includes(options.repeatColumn) ? options.repeatColumn : undefined
  return {format, columns, idColumn, repeatColumn}
}

async function openParquet(options: ReadTableOptions): Promise<TableColumns & {batches: () => AsyncGenerator<TableBatch>}> {
  let metadata: FileMetaData
  const file = await asyncBufferFromFile(options.file).catch((error: NodeJS.ErrnoException) => {
    throw new DcbError(options.errorCode, `${options.role} ${options.file}: cannot read (${error.code ?? error.message})`)
  })
  try {
    metadata = await parquetMetadataAsync(file)
  } catch (error) {
    throw new DcbError(options.errorCode, `${options.role} ${options.file}: not a readable parquet file (${firstLine(error)})`)
  }
  const columns = parquetSchema(metadata).children.map((child) => child.element.name)
  const picked = pickColumns(options, 'parquet', columns)
  const wanted = picked.repeatColumn ? [picked.idColumn, picked.repeatColumn] : [picked.idColumn]
  let rowStart = 0
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows)
    const bytes = group.columns.filter((c) => wanted.includes(c.meta_data?.path_in_schema[0] ?? '')).reduce((sum, c) => sum + Number(c.meta_data?.total_uncompressed_size ?? 0), 0)
    if (rows > PARQUET_MAX_GROUP_ROWS || bytes > PARQUET_MAX_GROUP_BYTES) {
      throw new DcbError(
        options.errorCode,
        `${options.role} ${options.file}: row group at row ${rowStart} holds ${rows} rows (${bytes} bytes of ${wanted.join(', ')}); dcbench reads groups of at most ${PARQUET_MAX_GROUP_ROWS} rows and ${PARQUET_MAX_GROUP_BYTES} bytes`,
        {suggestions: ['write the file again with smaller row groups (pyarrow: row_group_size=…)']},
      )
    }
    rowStart += rows
  }
  async function* batches(): AsyncGenerator<TableBatch> {
    let rowStart = 0
    for (const group of metadata.row_groups) {
      const rows = Number(group.num_rows)
      let data: Record<string, unknown>[] = []
      try {
        await parquetRead({
          file,
          metadata,
          columns: wanted,
          rowStart,
          rowEnd: rowStart + rows,
          rowFormat: 'object',
          compressors,
          onComplete: (result: Record<string, unknown>[]) => {
            data = result
          },
        })
      } catch (error) {
        throw new DcbError(options.errorCode, `${options.role} ${options.file}: cannot decode rows ${rowStart}–${rowStart + rows - 1} (${firstLine(error)})`)
      }
      yield {
        rowStart,
        ids: data.map((row) => decodeBytes(row[picked.idColumn])),
        repeats: picked.repeatColumn ? data.map((row) => row[picked.repeatColumn as string]) : undefined,
      }
      rowStart += rows
    }
  }
  return {...picked, rows: Number(metadata.num_rows), batches}
}

async function openCsv(options: ReadTableOptions): Promise<TableColumns & {batches: () => AsyncGenerator<TableBatch>}> {
  const rows = createReadStream(options.file).pipe(parseCsv({bom: true, skip_empty_lines: true, relax_column_count: false, max_record_size: CSV_MAX_RECORD_CHARS}))
  const iterator = rows[Symbol.asyncIterator]() as AsyncIterator<string[]>
  const fail = (error: unknown): never => {
    const e = error as NodeJS.ErrnoException & {lines?: number}
    if (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'EACCES') throw new DcbError(options.errorCode, `${options.role} ${options.file}: cannot read (${e.code})`)
    if (e.code === 'CSV_MAX_RECORD_SIZE') {
      throw new DcbError(options.errorCode, `${options.role} ${options.file}: line ${e.lines ?? '?'} is longer than ${CSV_MAX_RECORD_CHARS} characters; a CSV record of dcbench's is a uid, a repeat count and short fields`)
    }
    throw new DcbError(options.errorCode, `${options.role} ${options.file}: malformed CSV${e.lines ? ` at line ${e.lines}` : ''} (${firstLine(error)})`)
  }
  let header: string[]
  try {
    const first = await iterator.next()
    header = first.done ? [] : first.value.map((c) => c.trim())
  } catch (error) {
    return fail(error)
  }
  const picked = pickColumns(options, 'csv', header)
  const idIndex = header.indexOf(picked.idColumn)
  const repeatIndex = picked.repeatColumn ? header.indexOf(picked.repeatColumn) : -1
  async function* batches(): AsyncGenerator<TableBatch> {
    const batchRows = 65_536
    let ids: unknown[] = []
    let repeats: unknown[] = []
    let rowStart = 0
    for (;;) {
      let next: IteratorResult<string[]>
      try {
        next = await iterator.next()
      } catch (error) {
        return fail(error)
      }
      if (next.done) break
      ids.push((next.value[idIndex] as string).trim())
      if (repeatIndex >= 0) repeats.push((next.value[repeatIndex] as string).trim())
      if (ids.length === batchRows) {
        yield {rowStart, ids, repeats: repeatIndex >= 0 ? repeats : undefined}
        rowStart += ids.length
        ids = []
        repeats = []
      }
    }
    if (ids.length > 0) yield {rowStart, ids, repeats: repeatIndex >= 0 ? repeats : undefined}
  }
  return {...picked, batches}
}

function decodeBytes(value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] as string
}
