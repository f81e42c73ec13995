import {createReadStream, existsSync} from 'node:fs'
import {readdir} from 'node:fs/promises'
import {join} from 'node:path'

import {parse as parseCsv} from 'csv-parse'
import {asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects} from 'hyparquet'
import {compressors} from 'hyparquet-compressors'

import {DcbError} from '../../errors.js'
import {isUidHex} from '../../pool/uid.js'

/**
 * The metadata rows of a DataComp pool (`POOL/metadata/*.parquet|csv`, datacomp spec §2.2) by uid,
 * every column kept, so filters can read CLIP scores, sizes — or, for the oracle, the ground truth.
 *
 * Held in memory: fine for the tiny pools and for a few million rows; a filter over a full official
 * pool would join shard order against sorted metadata instead (not built: official pools are filtered
 * with the participant's own tooling, dcbench validates the result).
 */
export async function readPoolMetadata(pool: string): Promise<Map<string, Record<string, unknown>>> {
  const dir = join(pool, 'metadata')
  const rows = new Map<string, Record<string, unknown>>()
  if (!existsSync(dir)) return rows
  const files = (await readdir(dir)).filter((f) => /\.(parquet|csv)$/i.test(f)).sort()
  for (const name of files) {
    const file = join(dir, name)
    for (const row of name.toLowerCase().endsWith('.csv') ? await readCsvRows(file) : await readParquetRows(file)) {
      const uid = typeof row.uid === 'string' ? row.uid.toLowerCase() : undefined
      if (!uid || !isUidHex(uid)) throw new DcbError('DCB_FILTER_POOL', `pool metadata ${file}: a row without a valid hex 'uid' (got ${JSON.stringify(row.uid)})`)
      rows.set(uid.padStart(32, '0'), row)
    }
  }
  return rows
}

/** The rows of one metadata parquet in file order (strings decoded), only `columns` when given. */
export async function readParquetRows(file: string, columns?: string[]): Promise<Record<string, unknown>[]> {
  try {
    const rows = (await parquetReadObjects({file: await asyncBufferFromFile(file), compressors, columns})) as Record<string, unknown>[]
    return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v])))
  } catch (error) {
    throw new DcbError('DCB_FILTER_POOL', `pool metadata ${file}: not a readable parquet file (${(error as Error).message.split('\n')[0]})`)
  }
}

/** The names of a parquet's FLOAT (float32) columns: numpy compares them in float32 (see baselines.ts). */
export async function parquetFloat32Columns(file: string): Promise<Set<string>> {
  try {
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file))
    return new Set(metadata.schema.filter((element) => element.type === 'FLOAT').map((element) => element.name))
  } catch (error) {
    throw new DcbError('DCB_FILTER_POOL', `pool metadata ${file}: not a readable parquet file (${(error as Error).message.split('\n')[0]})`)
  }
}

async function readCsvRows(file: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = []
  try {
    for await (const row of createReadStream(file).pipe(parseCsv({bom: true, columns: true, skip_empty_lines: true}))) rows.push(row as Record<string, unknown>)
  } catch (error) {
    throw new DcbError('DCB_FILTER_POOL', `pool metadata ${file}: malformed CSV (${(error as Error).message.split('\n')[0]})`)
  }
  return rows
}
