import {createReadStream} from 'node:fs'

import {parse as parseCsv} from 'csv-parse'
import {asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type FileMetaData} from 'hyparquet'
import {compressors} from 'hyparquet-compressors'

import {DcbError, type ErrorCode} from '../errors.js'

/**
 * Reads the id column (and optionally a repeat column) of a table file: Parquet (hyparquet, with
 * every codec of hyparquet-compressors) or CSV (csv-parse, header line required). Both DataComp
 * pool metadata (`uid` column, datacomp spec §2.2) and participants' parquet/CSV subsets go through
 * here; values are returned as read, callers check them.
 */

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
}

/** Opens a table: checks its format and columns, then yields its rows in batches. */
export async function openTable(options: ReadTableOptions): Promise<TableColumns & {batches: () => AsyncGenerator<TableBatch>}> {
  const format = tableFormatOf(options.file)
  if (!format) throw new DcbError(options.errorCode, `${options.role} ${options.file}: not a table file; expected .parquet or .csv`)
  return format === 'parquet' ? openParquet(options) : openCsv(options)
}

function pickColumns(options: ReadTableOptions, format: TableFormat, columns: string[]): TableColumns {
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
  return {...picked, batches}
}

async function openCsv(options: ReadTableOptions): Promise<TableColumns & {batches: () => AsyncGenerator<TableBatch>}> {
  const rows = createReadStream(options.file).pipe(parseCsv({bom: true, skip_empty_lines: true, relax_column_count: false}))
  const iterator = rows[Symbol.asyncIterator]() as AsyncIterator<string[]>
  const fail = (error: unknown): never => {
    const e = error as NodeJS.ErrnoException & {lines?: number}
    if (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'EACCES') throw new DcbError(options.errorCode, `${options.role} ${options.file}: cannot read (${e.code})`)
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
