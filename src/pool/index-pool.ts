import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'

import type {Benchmark, PoolSourceType} from '../benchmarks/benchmark.js'
import {getBenchmark, listBenchmarks} from '../benchmarks/registry.js'
import {DcbError} from '../errors.js'
import {fileKind} from '../util/regular-file.js'
import type {ProgressListener} from '../ui/progress.js'
import {UID_RECORD_WORDS, writeUidHex} from './uid.js'
import {writeUidIndex, type UidIndexHeader} from './uid-index.js'
import {sortUidStream} from './uid-sort.js'

/** One file the index is built from. */
export interface PoolSource {
  file: string
  /** The benchmark's name for this kind of file (DataComp `metadata` or `shard`, DCLM `documents`). */
  type: string
  /** The benchmark whose pool it belongs to. */
  kind: string
}

/** A file type of some registered benchmark's pool. */
interface SourceMatch {
  benchmark: Benchmark
  source: PoolSourceType
}

/**
 * The files behind pool paths. A directory with one of the benchmarks' pool folders (`metadata/`,
 * `documents/`, `shards/`, first found in that order of preference) → the recognised files in it;
 * any other directory → the recognised files in it. Files are recognised by the registered
 * benchmarks' pool source types. All must be of one benchmark.
 */
export async function resolvePoolSources(paths: readonly string[]): Promise<PoolSource[]> {
  const sources: PoolSource[] = []
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined)
    if (!info) throw new DcbError('DCB_POOL_INPUT', `pool input ${path}: no such file or directory`)
    if (!info.isDirectory() && !info.isFile()) throw new DcbError('DCB_POOL_INPUT', `pool input ${path}: not a regular file (${fileKind(info)})`)
    if (!info.isDirectory()) {
      const source = classify(path)
      if (!source) throw new DcbError('DCB_POOL_INPUT', `pool input ${path}: unknown file type; expected ${describeSourceTypes()}`)
      sources.push(source)
      continue
    }
    const dir = (await firstPoolFolder(path)) ?? path
    const found = (await readdir(dir))
      .sort()
      .map((name) => classify(join(dir, name)))
      .filter((s): s is PoolSource => s !== undefined)
    if (found.length === 0) throw new DcbError('DCB_POOL_INPUT', `pool input ${path}: none of ${describeSourceTypes()} in ${dir}`)
    sources.push(...found)
  }
  const kinds = new Set(sources.map((s) => s.kind))
  if (kinds.size > 1) throw new DcbError('DCB_POOL_INPUT', `pool inputs mix ${[...kinds].map((k) => getBenchmark(k).title).join(' and ')} files (${sources.map((s) => s.file).join(', ')}); index one pool at a time`)
  return sources
}

/** The first of the benchmarks' pool folders (each benchmark's first choice, then its second…) inside `dir`. */
async function firstPoolFolder(dir: string): Promise<string | undefined> {
  const benchmarks = listBenchmarks()
  const depth = Math.max(0, ...benchmarks.map((b) => b.pool.folders.length))
  for (let rank = 0; rank < depth; rank++) {
    for (const benchmark of benchmarks) {
      const name = benchmark.pool.folders[rank]
      if (name === undefined) continue
      if ((await stat(join(dir, name)).catch(() => undefined))?.isDirectory()) return join(dir, name)
    }
  }
  return undefined
}

function sourceTypes(): SourceMatch[] {
  return listBenchmarks().flatMap((benchmark) => benchmark.pool.sources.map((source) => ({benchmark, source})))
}

function describeSourceTypes(): string {
  const types = sourceTypes().map((t) => t.source.description)
  return types.length > 1 ? `${types.slice(0, -1).join(', ')} or ${types.at(-1)}` : (types[0] ?? 'no registered pool file type')
}

function classify(file: string): PoolSource | undefined {
  const match = sourceTypes().find((t) => t.source.matches(file))
  return match && {file, type: match.source.type, kind: match.benchmark.id}
}

function sourceType(source: PoolSource): PoolSourceType {
  const type = getBenchmark(source.kind).pool.sources.find((t) => t.type === source.type)
  if (!type) throw new DcbError('DCB_POOL_INPUT', `pool input ${source.file}: ${source.kind} pools have no '${source.type}' files`)
  return type
}

const CHUNK_RECORDS = 65_536

/**
 * The uid records of pool sources, in file order, as chunks: each source's ids as its benchmark's
 * reader yields them (DataComp uids parsed like the resharder, `int(uid, 16)`: 1–32 hex digits; DCLM
 * document ids computed by `dclmDocumentId`).
 */
export async function* poolUidRecords(sources: readonly PoolSource[], onRow?: (rows: number) => void): AsyncGenerator<Uint32Array> {
  let rows = 0
  let words = new Uint32Array(CHUNK_RECORDS * UID_RECORD_WORDS)
  let filled = 0
  for (const source of sources) {
    for await (const hex of sourceType(source).ids(source.file)) {
      if (!writeUidHex(hex, words, filled)) throw new DcbError('DCB_POOL_INPUT', `pool input ${source.file}: id ${JSON.stringify(hex)} is not 1–32 hex digits`)
      filled++
      rows++
      if (filled === CHUNK_RECORDS) {
        onRow?.(rows)
        yield words
        words = new Uint32Array(CHUNK_RECORDS * UID_RECORD_WORDS)
        filled = 0
      }
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
  const kind = sources[0]?.kind
  if (kind === undefined) throw new DcbError('DCB_POOL_INPUT', 'no pool input given')
  let runs = 0
  const records = sortUidStream(
    poolUidRecords(sources, (rows) => options.onProgress?.({done: rows})),
    {memoryBytes: options.memoryBytes, tmpDir: options.tmpDir, onRun: () => runs++},
  )
  const header = await writeUidIndex({out: options.out, kind, records})
  return {...header, sources, runs}
}
