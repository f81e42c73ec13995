import {open, stat} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {DcbError} from '../errors.js'
import {sortUidRecords, UID_RECORD_WORDS, writeUidHex} from '../pool/index.js'
import {subsetOutputError, uidNpyHeader} from '../subset/index.js'
import type {ProgressListener} from '../ui/progress.js'
import {writeAtomically} from '../util/atomic-write.js'
import {sha256Hex} from '../util/canonical-json.js'
import {asJsonObject, readJsonFile} from '../util/json-file.js'
import {getBenchmark} from '../benchmarks/registry.js'
import type {FilterSpec} from '../benchmarks/benchmark.js'
import type {DataFilter, FilterDecision, PoolRecord} from './filter.js'
import {isBatchDecider} from './sandbox.js'

export interface ApplyFilterOptions {
  filter: DataFilter<PoolRecord>
  /** The benchmark whose pool is filtered. */
  benchmark: string
  pool: string
  /** The subset `.npy` to write (atomically). */
  out: string
  /** Keep exactly this many records (scored filters: the best; others: refused if they keep fewer). */
  size?: number
  /** Keep this share of the pool's records (rounded), for scored filters. */
  fraction?: number
  onProgress?: ProgressListener
}

export interface ApplyFilterResult {
  filter: string
  benchmark: string
  out: string
  /** Records in the pool. */
  poolRecords: number
  /** Distinct records kept. */
  kept: number
  /** Rows of the written subset (repeats counted). */
  subsetSize: number
  /** sha256 of the subset's sorted uid records (the subset fingerprint, docs/pools-and-subsets.md). */
  fingerprint: string
  seconds: number
}

/**
 * Runs a filter over every record of a pool and writes the kept uids as a sorted DataComp-format
 * `.npy` (for DCLM, the document ids in the same layout), byte-identical to numpy's `np.save`.
 */
export async function applyFilter(options: ApplyFilterOptions): Promise<ApplyFilterResult> {
  const started = performance.now()
  const records = await checkFilterRun(options)
  const decided = await collectDecisions(options.filter, records(options.pool), options.onProgress)
  return {...(await writeFilterSubset({...options, filterName: options.filter.name}, decided)), seconds: (performance.now() - started) / 1000}
}

/**
 * The checks before a filter run reads the pool (the filter's benchmarks, --size against pool.json,
 * the output folder), and the benchmark's record reader.
 */
export async function checkFilterRun(options: Omit<ApplyFilterOptions, 'onProgress'>): Promise<FilterSpec['records']> {
  const {filter, benchmark} = options
  const records = getBenchmark(benchmark).filter?.records
  if (!records) throw new DcbError('DCB_FILTER_USAGE', `benchmark '${benchmark}' has no pool records to filter`)
  if (!filter.benchmarks.includes(benchmark)) {
    throw new DcbError('DCB_FILTER_USAGE', `filter '${filter.name}' works on ${filter.benchmarks.join(', ')} pools, not ${benchmark}`)
  }
  await checkSubsetTarget(options)
  return records
}

/** --size/--fraction are sound, --size fits the pool pool.json declares, and the output folder exists — before any scan. */
export async function checkSubsetTarget(options: {benchmark: string; pool: string; out: string; size?: number; fraction?: number}): Promise<void> {
  targetSize(options)
  // a --size beyond what the pool's pool.json declares fails now, not after the scan
  const declared = await declaredPoolRecords(options.pool)
  if (declared !== undefined && options.size !== undefined && options.size > declared) {
    throw new DcbError('DCB_FILTER_USAGE', `--size ${options.size} is larger than the pool (${declared} ${getBenchmark(options.benchmark).nouns.records}, as ${join(options.pool, 'pool.json')} says)`)
  }
  // a missing output folder fails now, not after the whole pool has been filtered
  const folder = await stat(dirname(options.out)).catch((error: unknown) => {
    throw subsetOutputError(options.out, error)
  })
  if (!folder.isDirectory()) throw subsetOutputError(options.out, {code: 'ENOTDIR'})
}

/** What a filter decided over some records: keep decisions (uids with repeats) or scores, never both. */
export interface FilterDecisions {
  style: 'keep' | 'score' | undefined
  poolRecords: number
  kept: UidList
  scored: {score: number; uid: string}[]
}

/** Each record's decision, gathered: the kept uids (with repeats) or the scores. */
export async function collectDecisions(filter: DataFilter<PoolRecord>, records: AsyncIterable<PoolRecord>, onProgress?: ProgressListener): Promise<FilterDecisions> {
  const kept = new UidList()
  const scored: {score: number; uid: string}[] = []
  let style: 'keep' | 'score' | undefined
  let poolRecords = 0
  for await (const [record, decision] of decisions(filter, records)) {
    poolRecords++
    const kind = typeof decision === 'number' ? 'score' : 'keep'
    if (style && style !== kind) throw mixedDecisions(filter.name, record.uid)
    style = kind
    if (kind === 'score') {
      if (!Number.isFinite(decision)) throw new DcbError('DCB_FILTER_BAD', `filter '${filter.name}' returned the score ${String(decision)} for ${record.uid}; scores must be finite numbers`)
      scored.push({score: decision as number, uid: record.uid})
    } else {
      kept.add(record.uid, repeatOf(filter, record.uid, decision))
    }
    if (poolRecords % 1000 === 0) onProgress?.({done: poolRecords, detail: filter.name})
  }
  onProgress?.({done: poolRecords, total: poolRecords, detail: filter.name})
  return {style, poolRecords, kept, scored}
}

/** A filter that returned scores for some records and keep decisions for others. */
export function mixedDecisions(filter: string, uid: string): DcbError {
  return new DcbError('DCB_FILTER_BAD', `filter '${filter}' returned both scores and keep decisions (at sample ${uid}); return one kind`)
}

/** The subset of what was decided — the best `--size`/`--fraction` of the scores, or the kept uids — written as the sorted `.npy`. */
export async function writeFilterSubset(
  options: {filterName: string; benchmark: string; out: string; size?: number; fraction?: number},
  decided: FilterDecisions,
): Promise<Omit<ApplyFilterResult, 'seconds'>> {
  const name = options.filterName
  const {poolRecords, kept, scored} = decided
  const target = targetSize(options)
  if (decided.style === 'score') {
    const n = target?.(poolRecords)
    if (n === undefined) throw new DcbError('DCB_FILTER_USAGE', `filter '${name}' scores samples: say how many to keep with --size or --fraction`)
    scored.sort((a, b) => b.score - a.score || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0))
    for (const {uid} of scored.slice(0, n)) kept.add(uid, 1)
  } else if (target) {
    const n = target(poolRecords)
    if (kept.distinct !== n) throw new DcbError('DCB_FILTER_USAGE', `filter '${name}' keeps ${kept.distinct} samples, not the ${n} asked for; --size/--fraction only apply to scoring filters`)
  }
  const {words, count} = kept.sorted()
  const data = new Uint8Array(words.buffer, words.byteOffset, count * UID_RECORD_WORDS * 4)
  await writeAtomically(options.out, async (temp) => {
    const handle = await open(temp, 'w').catch((error: unknown) => {
      throw subsetOutputError(options.out, error)
    })
    try {
      await handle.write(uidNpyHeader(count))
      await handle.write(data)
    } finally {
      await handle.close()
    }
  })
  return {filter: name, benchmark: options.benchmark, out: options.out, poolRecords, kept: kept.distinct, subsetSize: count, fingerprint: sha256Hex(data)}
}

/** The record count a synthetic pool's `pool.json` states (a few hundred bytes); undefined without one. */
async function declaredPoolRecords(pool: string): Promise<number | undefined> {
  const file = join(pool, 'pool.json')
  const meta = asJsonObject(await readJsonFile(file, {code: 'DCB_POOL_INPUT', what: `pool ${file}`, maxBytes: 1 << 20, allowMissing: true}))
  return typeof meta?.count === 'number' && Number.isSafeInteger(meta.count) ? meta.count : undefined
}

function targetSize(options: {size?: number; fraction?: number}): ((poolRecords: number) => number) | undefined {
  if (options.size !== undefined && options.fraction !== undefined) throw new DcbError('DCB_FILTER_USAGE', 'give --size or --fraction, not both')
  if (options.size !== undefined) {
    if (!Number.isInteger(options.size) || options.size < 0) throw new DcbError('DCB_FILTER_USAGE', `--size must be a whole number ≥ 0, got ${options.size}`)
    const size = options.size
    return (poolRecords) => {
      if (size > poolRecords) throw new DcbError('DCB_FILTER_USAGE', `--size ${size} is larger than the pool (${poolRecords} samples)`)
      return size
    }
  }
  if (options.fraction !== undefined) {
    if (!(options.fraction > 0 && options.fraction <= 1)) throw new DcbError('DCB_FILTER_USAGE', `--fraction must be in (0, 1], got ${options.fraction}`)
    const fraction = options.fraction
    return (poolRecords) => Math.round(fraction * poolRecords)
  }
  return undefined
}

/** Records in a batch sent to a sandboxed filter (src/filters/sandbox.ts): large enough to make the IPC cheap per record. */
const BATCH_RECORDS = 256

/**
 * Each record with its decision, in pool order. A filter is called one record at a time (it may keep
 * state); a sandboxed one gets batches, the next read while the last is decided.
 */
async function* decisions(filter: DataFilter<PoolRecord>, records: AsyncIterable<PoolRecord>): AsyncGenerator<[PoolRecord, FilterDecision]> {
  if (!isBatchDecider(filter)) {
    for await (const record of records) yield [record, await decideSafely(filter, record)]
    return
  }
  let inFlight: {records: PoolRecord[]; decisions: Promise<FilterDecision[]>} | undefined
  let batch: PoolRecord[] = []
  /** Sends `next` (if any), then waits for the batch sent before it and returns its pairs. */
  const take = async (next: PoolRecord[] | undefined): Promise<[PoolRecord, FilterDecision][]> => {
    const done = inFlight
    inFlight = undefined
    if (next && next.length > 0) {
      const decided = filter.decideBatch(next)
      // awaited below, after the batch before it; until then a rejection must not count as unhandled
      decided.catch(() => {})
      inFlight = {records: next, decisions: decided}
    }
    if (!done) return []
    const decided = await done.decisions
    return done.records.map((record, i) => [record, decided[i] as FilterDecision])
  }
  for await (const record of records) {
    batch.push(record)
    if (batch.length < BATCH_RECORDS) continue
    yield* await take(batch)
    batch = []
  }
  yield* await take(batch)
  yield* await take(undefined)
}

/** A participant's filter that throws is their bug, reported in one line naming the sample. */
async function decideSafely(filter: DataFilter<PoolRecord>, record: PoolRecord): Promise<FilterDecision> {
  try {
    return await filter.decide(record)
  } catch (error) {
    if (error instanceof DcbError) throw error
    throw new DcbError('DCB_FILTER_BAD', `filter '${filter.name}' threw on sample ${record.uid}: ${(error as Error)?.message?.split('\n')[0] ?? String(error)}`)
  }
}

function repeatOf(filter: DataFilter<PoolRecord>, uid: string, decision: FilterDecision): number {
  if (typeof decision === 'boolean') return decision ? 1 : 0
  const repeat = (decision as {repeat?: unknown} | null)?.repeat
  if (typeof repeat !== 'number' || !Number.isInteger(repeat) || repeat < 0) {
    throw new DcbError('DCB_FILTER_BAD', `filter '${filter.name}' returned ${JSON.stringify(decision)} for ${uid}; expected true, false, a score or {repeat: k} with a whole k ≥ 0`)
  }
  return repeat
}

/** A growable list of uid records; a uid used k times is stored k times, as the resharder reads it. */
export class UidList {
  private words = new Uint32Array(UID_RECORD_WORDS * 1024)
  private count = 0
  distinct = 0

  add(uid: string, repeat: number): void {
    if (repeat === 0) return
    this.distinct++
    for (let i = 0; i < repeat; i++) {
      this.reserve(1)
      if (!writeUidHex(uid, this.words, this.count)) throw new DcbError('DCB_FILTER_POOL', `not a hex uid in the pool: ${JSON.stringify(uid)}`)
      this.count++
    }
  }

  /** Appends `records` uid records (UID_RECORD_WORDS words each) that hold `distinct` kept samples. */
  addRecords(words: Uint32Array, distinct: number): void {
    const records = words.length / UID_RECORD_WORDS
    this.reserve(records)
    this.words.set(words, this.count * UID_RECORD_WORDS)
    this.count += records
    this.distinct += distinct
  }

  /** The records so far, unsorted (a view, valid until the next add). */
  records(): Uint32Array {
    return this.words.subarray(0, this.count * UID_RECORD_WORDS)
  }

  private reserve(records: number): void {
    let size = this.words.length
    while ((this.count + records) * UID_RECORD_WORDS > size) size *= 2
    if (size === this.words.length) return
    const bigger = new Uint32Array(size)
    bigger.set(this.words)
    this.words = bigger
  }

  sorted(): {words: Uint32Array; count: number} {
    sortUidRecords(this.words, this.count)
    return {words: this.words, count: this.count}
  }
}
