import {existsSync} from 'node:fs'
import {readdir} from 'node:fs/promises'
import {basename, join} from 'node:path'

import {DcbError} from '../../errors.js'
import type {EmbeddingBatch} from '../../filters/builtin-types.js'
import {embeddingsError, openNpz} from '../../pool/npz.js'
import {isUidHex} from '../../pool/uid.js'
import {parquetFloat32Columns, readParquetRows} from './pool-metadata.js'

/**
 * A DataComp pool as upstream's baselines read it (baselines/apply_filter.py): each metadata parquet
 * `POOL/metadata/<stem>.parquet` in file order, with its features `<stem>.npz` beside it, row i of
 * every array belonging to row i of the parquet (datacomp spec §2.1–2.2).
 */
export interface MetadataPart {
  parquet: string
  /** `<stem>.npz`, present or not. */
  npz: string
  /** The rows, only the columns asked for, `uid` lowercased and padded to 32 hex digits. */
  rows: Record<string, unknown>[]
  /** Columns stored as parquet FLOAT: upstream (numpy) compares them in float32. */
  float32: Set<string>
}

/** Every metadata parquet of a pool, sorted by name (upstream lists the folder; the order does not change a filter's uid set). */
export async function metadataParquets(pool: string): Promise<string[]> {
  const dir = join(pool, 'metadata')
  if (!existsSync(dir)) throw new DcbError('DCB_FILTER_POOL', `pool ${pool}: no metadata folder; DataComp's baselines read POOL/metadata/*.parquet`)
  const names = (await readdir(dir)).sort()
  const parquets = names.filter((n) => n.endsWith('.parquet'))
  if (parquets.length === 0) {
    const csv = names.some((n) => n.toLowerCase().endsWith('.csv'))
    throw new DcbError('DCB_FILTER_POOL', `pool ${pool}: no metadata parquet in ${dir}${csv ? ' (only CSV: the official baselines read the released parquet files)' : ''}`)
  }
  return parquets.map((n) => join(dir, n))
}

/** Reads one parquet's columns; every `uid` is checked (32 hex digits). */
export async function readMetadataPart(parquet: string, columns: string[]): Promise<MetadataPart> {
  const rows = await readParquetRows(parquet, columns.includes('uid') ? columns : ['uid', ...columns])
  for (const [i, row] of rows.entries()) {
    for (const column of columns) {
      if (!(column in row)) throw new DcbError('DCB_FILTER_POOL', `pool metadata ${parquet}: no column '${column}'`)
    }
    const uid = typeof row.uid === 'string' ? row.uid.toLowerCase() : undefined
    if (!uid || !isUidHex(uid)) throw new DcbError('DCB_FILTER_POOL', `pool metadata ${parquet}: row ${i} has no valid hex 'uid' (got ${JSON.stringify(row.uid)})`)
    row.uid = uid.padStart(32, '0')
  }
  return {parquet, npz: parquet.replace(/\.parquet$/, '.npz'), rows, float32: await parquetFloat32Columns(parquet)}
}

/**
 * The rows of `<stem>.npz`'s array `name`, `batchRows` at a time, after checking the array has one
 * row per parquet row (the npz holds no uids: rows line up by position).
 */
export async function* partEmbeddings(part: MetadataPart, name: string, batchRows: number): AsyncGenerator<{rows: Float32Array; dim: number}> {
  if (!existsSync(part.npz)) throw embeddingsError(part.npz, `missing: ${part.parquet} needs its features file (${basename(part.npz)})`)
  const npz = await openNpz(part.npz)
  try {
    const {rows, dim} = await npz.matrix(name)
    if (rows !== part.rows.length) throw embeddingsError(part.npz, `array '${name}' has ${rows} rows but ${part.parquet} has ${part.rows.length}; the uids do not line up`)
    for await (const batch of npz.batches(name, batchRows)) yield {rows: batch, dim}
  } finally {
    npz.close()
  }
}

/** A column's values as numbers (NaN for a missing value), refusing a non-numeric one. */
export function numericColumn(part: MetadataPart, column: string): Float64Array {
  const values = new Float64Array(part.rows.length)
  for (const [i, row] of part.rows.entries()) {
    const value = row[column]
    if (value === null || value === undefined) values[i] = Number.NaN
    else if (typeof value === 'number') values[i] = value
    else if (typeof value === 'bigint') values[i] = Number(value)
    else throw new DcbError('DCB_FILTER_POOL', `pool metadata ${part.parquet}: row ${i} column '${column}' is ${JSON.stringify(value)}, not a number`)
  }
  return values
}

/** A text column, refusing a row without a string (upstream's `len(x)` would fail the same way). */
export function textColumn(part: MetadataPart, column: string): string[] {
  return part.rows.map((row, i) => {
    const value = row[column]
    if (typeof value !== 'string') throw new DcbError('DCB_FILTER_POOL', `pool metadata ${part.parquet}: row ${i} column '${column}' is ${JSON.stringify(value)}, not text`)
    return value
  })
}

/**
 * The pool's embedding rows with their uids, part by part (the adapter's `filter.embeddings`); `dir`:
 * the `<stem>.npz` files are there instead of beside the parquets (`bench embed --out`).
 */
export async function* dataCompEmbeddings(pool: string, array: string, batchRows: number, dir?: string): AsyncGenerator<EmbeddingBatch> {
  for (const parquet of await metadataParquets(pool)) {
    const part = await readMetadataPart(parquet, ['uid'])
    if (dir) part.npz = join(dir, `${basename(parquet, '.parquet')}.npz`)
    let at = 0
    for await (const {rows, dim} of partEmbeddings(part, array, batchRows)) {
      const n = rows.length / dim
      yield {uids: part.rows.slice(at, at + n).map((row) => row.uid as string), rows, dim}
      at += n
    }
  }
}
