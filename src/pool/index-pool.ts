import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {DcbError} from '../errors.js'
import type {ProgressListener} from '../ui/progress.js'
import {iterateShardSamples} from './datacomp-shards.js'
import {isDclmDocumentFile, iterateDocumentFile} from './dclm-documents.js'
import {UID_RECORD_WORDS, writeUidHex} from './uid.js'
import {writeUidIndex, type UidIndexHeader, type UidIndexKind} from './uid-index.js'
import {sortUidStream} from './uid-sort.js'
import {describeRow, openTable, tableFormatOf} from './uid-table.js'

/** One file the index is built from. */
export interface PoolSource {
  file: string
  /** DataComp metadata table (parquet/CSV `uid` column), DataComp shard tar (`.json` uid), or DCLM JSONL documents. */
  type: 'metadata' | 'shard' | 'documents'
  kind: UidIndexKind
}

/**
 * The files behind pool paths. A directory with `metadata/` → its parquet/CSV files; with
 * `documents/` → its JSONL files; with only `shards/` → its tars; any other directory → the
 * recognised files in it. Files by extension: `.parquet`/`.csv` metadata, `.tar` shards,
 * `.jsonl[.gz|.zst|.zstd]` documents. All must be of one benchmark.
 */
export async function resolvePoolSources(paths: readonly string[]): Promise<PoolSource[]> {
  const sources: PoolSource[] = []
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined)
    if (!info) throw new DcbError('DCB_POOL_INPUT', `pool input ${path}: no such file or directory`)
    if (!info.isDirectory()) {
      const source = classify(path)
      if (!source) throw new DcbError('DCB_POOL_INPUT', `pool input ${path}: unknown file type; expected .parquet or .csv (DataComp metadata), .tar (DataComp shard) or .jsonl[.gz|.zst] (DCLM documents)`)
      sources.push(source)
      continue
    }
    const sub = async (name: string) => ((await stat(join(path, name)).catch(() => undefined))?.isDirectory() ? join(path, name) : undefined)
    const dir = (await sub('metadata')) ?? (await sub('documents')) ?? (await sub('shards')) ?? path
    const found = (await readdir(dir))
      .sort()
      .map((name) => classify(join(dir, name)))
      .filter((s): s is PoolSource => s !== undefined)
    if (found.length === 0) throw new DcbError('DCB_POOL_INPUT', `pool input ${path}: no metadata (.parquet/.csv), shards (.tar) or documents (.jsonl*) in ${dir}`)
    sources.push(...found)
  }
  const kinds = new Set(sources.map((s) => s.kind))
  if (kinds.size > 1) throw new DcbError('DCB_POOL_INPUT', `pool inputs mix DataComp and DCLM files (${sources.map((s) => s.file).join(', ')}); index one pool at a time`)
  return sources
}

function classify(file: string): PoolSource | undefined {
  if (tableFormatOf(file)) return {file, type: 'metadata', kind: 'datacomp'}
  if (/\.tar$/i.test(file)) return {file, type: 'shard', kind: 'datacomp'}
  if (isDclmDocumentFile(file)) return {file, type: 'documents', kind: 'dclm'}
  return undefined
}

const CHUNK_RECORDS = 65_536

/**
 * The uid records of pool sources, in file order, as chunks: DataComp uids parsed like the resharder
 * (`int(uid, 16)`: 1–32 hex digits), DCLM document ids computed by `dclmDocumentId`.
 */
export async function* poolUidRecords(sources: readonly PoolSource[], onRow?: (rows: number) => void): AsyncGenerator<Uint32Array> {
  let rows = 0
  let words = new Uint32Array(CHUNK_RECORDS * UID_RECORD_WORDS)
  let filled = 0
  const push = function* (hex: string): Generator<Uint32Array> {
    writeUidHex(hex, words, filled)
    filled++
    rows++
    if (filled === CHUNK_RECORDS) {
      onRow?.(rows)
      yield words
      words = new Uint32Array(CHUNK_RECORDS * UID_RECORD_WORDS)
      filled = 0
    }
  }
  for (const source of sources) {
    if (source.type === 'metadata') {
      const table = await openTable({file: source.file, idColumns: ['uid'], errorCode: 'DCB_POOL_INPUT', role: 'pool metadata'})
      for await (const batch of table.batches()) {
        for (const [i, value] of batch.ids.entries()) {
          if (typeof value !== 'string' || !/^[0-9a-fA-F]{1,32}$/.test(value)) {
            throw new DcbError('DCB_POOL_INPUT', `pool metadata ${source.file}, ${describeRow(table.format, batch.rowStart + i)}: uid ${JSON.stringify(value)} is not 1–32 hex digits`)
          }
          yield* push(value)
        }
      }
    } else if (source.type === 'shard') {
      for await (const sample of iterateShardSamples(source.file)) {
        if (!/^[0-9a-fA-F]{1,32}$/.test(sample.uid)) throw new DcbError('DCB_POOL_INPUT', `DataComp shard ${source.file}, sample ${sample.key}: uid ${JSON.stringify(sample.uid)} is not 1–32 hex digits`)
        yield* push(sample.uid)
      }
    } else {
      for await (const doc of iterateDocumentFile(source.file)) yield* push(doc.id)
    }
  }
  onRow?.(rows)
  if (filled > 0) yield words.subarray(0, filled * UID_RECORD_WORDS)
}

export interface IndexPoolOptions {
  /** Pool directories or files (see resolvePoolSources). */
  inputs: readonly string[]
  /** The `.uidx` file to write. */
  out: string
  /** Sort memory in bytes (default 1 GiB); beyond it, sorted runs go to disk and are merged. */
  memoryBytes?: number
  /** Folder for sorted runs (default: the OS temp folder). */
  tmpDir?: string
  onProgress?: ProgressListener
}

export interface IndexPoolResult extends UidIndexHeader {
  sources: PoolSource[]
  /** Sorted runs written to disk (0 = sorted in memory). */
  runs: number
}

/** Builds a pool's uid index: read every uid, sort (externally if needed), write `.uidx`. */
export async function indexPool(options: IndexPoolOptions): Promise<IndexPoolResult> {
  const sources = await resolvePoolSources(options.inputs)
  const kind = sources[0]?.kind ?? 'datacomp'
  let runs = 0
  const records = sortUidStream(
    poolUidRecords(sources, (rows) => options.onProgress?.({done: rows})),
    {memoryBytes: options.memoryBytes, tmpDir: options.tmpDir, onRun: () => runs++},
  )
  const header = await writeUidIndex({out: options.out, kind, records})
  return {...header, sources, runs}
}
