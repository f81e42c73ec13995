import {readdir} from 'node:fs/promises'
import {join} from 'node:path'

import {asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData} from 'hyparquet'
import {compressors} from 'hyparquet-compressors'

import {DcbError} from '../../errors.js'
import type {FaceBox} from './face-blur.js'

/**
 * How img2dataset's reader (reader.py, input_format "parquet") cuts a folder of metadata files into
 * shards: the files in name order, each cut into ⌈rows / samplesPerShard⌉ shards (the last one of a
 * file may be short), shard ids counting on across files. A shard is read from its file on its own
 * (rows `first`…`first + count − 1`), so memory holds one shard's rows.
 */

/** One shard to download: which rows of which metadata file. */
export interface ShardPlan {
  id: number
  file: string
  first: number
  count: number
}

/** One row as the downloader needs it (img2dataset's url_col, caption_col, save_additional_columns, bbox_col). */
export interface MetadataRow {
  uid: string
  url: string
  caption: string | null
  /** null when the bbox column is not read, or the row has none. */
  faces: FaceBox[] | null
}

/** Columns every metadata file must have (datacomp spec §2.2, what download_upstream.py reads). */
export const REQUIRED_COLUMNS = ['url', 'text', 'uid'] as const
export const BBOX_COLUMN = 'face_bboxes'

async function openMetadata(file: string): Promise<{buffer: AsyncBuffer; metadata: FileMetaData; columns: string[]}> {
  let buffer: AsyncBuffer
  try {
    buffer = await asyncBufferFromFile(file)
  } catch (error) {
    throw new DcbError('DCB_POOL_INPUT', `pool metadata ${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
  try {
    const metadata = await parquetMetadataAsync(buffer)
    return {buffer, metadata, columns: parquetSchema(metadata).children.map((c) => c.element.name)}
  } catch (error) {
    throw new DcbError('DCB_POOL_INPUT', `pool metadata ${file}: not a readable parquet file (${String((error as Error).message).split('\n')[0]})`)
  }
}

/**
 * The shards of the metadata files in `dir` (`*.parquet`, name order). Every file is checked for the
 * columns the download reads before any shard is planned, so a bad file fails before anything is fetched.
 */
export async function planShards(dir: string, samplesPerShard: number, options: {blur: boolean}): Promise<{shards: ShardPlan[]; rows: number; files: string[]}> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.parquet')).sort()
  if (names.length === 0) throw new DcbError('DCB_POOL_INPUT', `pool metadata ${dir}: no .parquet files`, {suggestions: ['download the metadata first: bench pool download without --skip-metadata']})
  const shards: ShardPlan[] = []
  let rows = 0
  for (const name of names) {
    const file = join(dir, name)
    const {metadata, columns} = await openMetadata(file)
    const wanted = options.blur ? [...REQUIRED_COLUMNS, BBOX_COLUMN] : REQUIRED_COLUMNS
    const missing = wanted.filter((c) => !columns.includes(c))
    if (missing.length > 0) {
      throw new DcbError('DCB_POOL_INPUT', `pool metadata ${file}: no ${missing.map((c) => `'${c}'`).join(', ')} column; columns are ${columns.map((c) => `'${c}'`).join(', ') || '(none)'}`, {
        suggestions: missing.every((c) => c === BBOX_COLUMN) ? ['pass --skip-bbox-blurring to download without face blurring (not the official pool)'] : ['download the official metadata again'],
      })
    }
    const count = Number(metadata.num_rows)
    for (let first = 0; first < count; first += samplesPerShard) shards.push({id: shards.length, file, first, count: Math.min(samplesPerShard, count - first)})
    rows += count
  }
  return {shards, rows, files: names.map((n) => join(dir, n))}
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8')
  return String(value)
}

function faceBoxes(file: string, row: number, value: unknown): FaceBox[] | null {
  if (value === null || value === undefined) return null
  const bad = (): never => {
    throw new DcbError('DCB_POOL_INPUT', `pool metadata ${file}, row ${row}: face_bboxes ${JSON.stringify(value).slice(0, 80)} is not a list of [x0, y0, x1, y1] numbers`)
  }
  if (!Array.isArray(value)) return bad()
  return value.map((box: unknown) => {
    if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v))) return bad()
    return box as unknown as FaceBox
  })
}

/** The rows of one shard, checked: uid and url must be strings. */
export async function readShardRows(shard: ShardPlan, options: {blur: boolean}): Promise<MetadataRow[]> {
  const {buffer, metadata} = await openMetadata(shard.file)
  let data: Record<string, unknown>[] = []
  try {
    await parquetRead({
      file: buffer,
      metadata,
      columns: options.blur ? [...REQUIRED_COLUMNS, BBOX_COLUMN] : [...REQUIRED_COLUMNS],
      rowStart: shard.first,
      rowEnd: shard.first + shard.count,
      rowFormat: 'object',
      compressors,
      onComplete: (rows: Record<string, unknown>[]) => {
        data = rows
      },
    })
  } catch (error) {
    throw new DcbError('DCB_POOL_INPUT', `pool metadata ${shard.file}: cannot decode rows ${shard.first}–${shard.first + shard.count - 1} (${String((error as Error).message).split('\n')[0]})`)
  }
  return data.map((row, i) => {
    const uid = text(row.uid)
    const url = text(row.url)
    if (uid === null || url === null) throw new DcbError('DCB_POOL_INPUT', `pool metadata ${shard.file}, row ${shard.first + i}: ${uid === null ? 'uid' : 'url'} is null`)
    return {uid, url, caption: text(row.text), faces: options.blur ? faceBoxes(shard.file, shard.first + i, row[BBOX_COLUMN]) : null}
  })
}
