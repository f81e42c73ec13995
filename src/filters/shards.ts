import {closeSync, constants, existsSync, fstatSync, mkdirSync, readFileSync, readSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {endianness} from 'node:os'
import {basename, dirname, join} from 'node:path'

import {z} from 'zod'

import {getBenchmark} from '../benchmarks/registry.js'
import {DcbError} from '../errors.js'
import {readUidHex, UID_RECORD_WORDS} from '../pool/uid.js'
import type {ProgressListener} from '../ui/progress.js'
import {writeFileAtomic} from '../util/atomic-write.js'
import {canonicalHash, sha256Hex} from '../util/canonical-json.js'
import {openInsideSync, readFileInsideSync, UnsafePathError} from '../util/no-follow.js'
import {shardItems, type Shard} from '../util/shards.js'
import {parseStrictJsonBytes, StrictJsonError} from '../util/strict-json.js'
import {checkFilterRun, checkSubsetTarget, collectDecisions, mixedDecisions, UidList, writeFilterSubset, type ApplyFilterOptions, type ApplyFilterResult, type FilterDecisions} from './apply.js'
import {findBuiltinFilter} from './builtin.js'
import type {BuiltinFilterOptions} from './builtin-types.js'
import type {FilterContext} from './filter.js'

/**
 * `bench filter --shard i/N` and `--merge-shards N` (and the SLURM job array that runs them, docs/slurm.md):
 * shard i runs the filter over every N-th file of the pool (round-robin over the files a local run
 * reads, src/util/shards.ts) and writes what it decided into `OUT.shards/i-of-N.{bin,json}`: the kept
 * uid records (with repeats), or every record's score. The merge gathers every part into the same
 * decisions a local run collects and selects and writes the subset with the same code
 * (`writeFilterSubset`): the kept records are the same multiset, and the best `--size`/`--fraction`
 * scores are chosen from the same (score, uid) pairs, so OUT is byte-identical to a local `bench filter`.
 *
 * That holds only for filters whose decision of a sample depends on that sample alone: a built-in
 * says so in `wholePool` (src/filters/builtin-types.ts); a filter module is taken to (bench cannot check it, docs/slurm.md).
 */

const PART_FORMAT = 'dcbench-filter-shard'
/** A part's JSON is a few hundred bytes plus its file list. */
const MAX_PART_JSON_BYTES = 64 << 20
/** Bytes per kept record (a 16-byte uid) and per scored record (uid, then a float64 score). */
const UID_BYTES = UID_RECORD_WORDS * 4
const SCORE_BYTES = 8

const PartSchema = z.object({
  format: z.literal(PART_FORMAT),
  version: z.literal(1),
  shard: z.string(),
  run: z.string(),
  filter: z.string(),
  benchmark: z.string(),
  files: z.array(z.string()),
  endianness: z.enum(['LE', 'BE']),
  pool_records: z.number().int().nonnegative(),
  style: z.enum(['keep', 'score', 'none']),
  kept: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
}).strict()
type Part = z.infer<typeof PartSchema>

/** The folder beside OUT that holds the parts. */
export function filterShardsDir(out: string): string {
  return `${out}.shards`
}

/** The refusal of a sharded run of a filter that needs the whole pool (undefined: it may be sharded). */
export function filterShardRefusal(spec: string, context: FilterContext, options: BuiltinFilterOptions): DcbError | undefined {
  const builtin = existsSync(spec) ? undefined : findBuiltinFilter(spec, context.benchmark)
  const rule = builtin?.wholePool
  const reason = typeof rule === 'function' ? rule(context, options) : rule
  if (!reason) return undefined
  return new DcbError('DCB_FILTER_WHOLE_POOL', `filter '${spec}' on a ${context.benchmark} pool cannot run sharded (--shard, --executor slurm): ${reason}`, {
    suggestions: ['run it locally (no --shard/--executor slurm), or on one node as a single job; docs/slurm.md lists which filters shard'],
  })
}

/**
 * The key of a filter run: every option that changes decisions or the selection (the filter and the
 * sha256 of a module file, seed, size, fraction, the built-in options, --allow-read). Shards and merge compare it.
 */
export function filterRunKey(run: {benchmark: string; filter: string; seed: number; size?: number; fraction?: number; allowRead?: readonly string[]; builtin: BuiltinFilterOptions}): string {
  const module = existsSync(run.filter) ? sha256Hex(readFileSync(run.filter)) : undefined
  // a malformed number flag (NaN) is the filter's to refuse; here it only has to be hashable
  return canonicalHash(JSON.parse(JSON.stringify({...run, module}, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))))
}

export interface FilterShardOptions extends ApplyFilterOptions {
  shard: Shard
  /** What makes two runs the same run (the filter and its options): the merge refuses parts of another. */
  run: string
}

/** Runs the filter over one shard's files and writes its part. */
export async function applyFilterShard(options: FilterShardOptions): Promise<{filter: string; benchmark: string; shard: Shard; shard_files: string[]; part: string; pool_records: number; kept: number; style: string; seconds: number}> {
  const started = performance.now()
  const records = await checkFilterRun(options)
  const files = shardItems(await poolFiles(options.benchmark, options.pool), options.shard, 'pool file')
  const decided = await collectDecisions(options.filter, records(options.pool, files), options.onProgress)
  const dir = filterShardsDir(options.out)
  mkdirSync(dir, {recursive: true})
  const name = partName(options.shard)
  const data = partData(decided)
  await writeFileAtomic(join(dir, `${name}.bin`), data)
  const part: Part = {
    format: PART_FORMAT, version: 1, shard: `${options.shard.index}/${options.shard.count}`, run: options.run, filter: options.filter.name, benchmark: options.benchmark, files,
    endianness: endianness(), pool_records: decided.poolRecords, style: decided.style ?? 'none', kept: decided.style === 'score' ? 0 : decided.kept.distinct,
    records: decided.style === 'score' ? decided.scored.length : decided.kept.records().length / UID_RECORD_WORDS, sha256: sha256Hex(data),
  }
  // the JSON last: a part whose JSON exists is whole
  await writeFileAtomic(join(dir, `${name}.json`), `${JSON.stringify(part)}\n`)
  return {filter: part.filter, benchmark: part.benchmark, shard: options.shard, shard_files: files, part: join(dir, `${name}.json`), pool_records: part.pool_records, kept: part.kept, style: part.style, seconds: (performance.now() - started) / 1000}
}

export interface MergeFilterShardsOptions {
  benchmark: string
  pool: string
  out: string
  count: number
  /** The run the parts must come from (as `FilterShardOptions.run`). */
  run: string
  size?: number
  fraction?: number
  onProgress?: ProgressListener
}

/** Merges the N parts into the subset OUT (then removes them); refuses, naming it, a part that is missing, broken or of another run. */
export async function mergeFilterShards(options: MergeFilterShardsOptions): Promise<ApplyFilterResult & {merged_shards: number}> {
  const started = performance.now()
  await checkSubsetTarget(options)
  const files = await poolFiles(options.benchmark, options.pool)
  const dir = filterShardsDir(options.out)
  const decided: FilterDecisions = {style: undefined, poolRecords: 0, kept: new UidList(), scored: []}
  let filter: string | undefined
  for (let index = 1; index <= options.count; index++) {
    const shard = {index, count: options.count}
    const own = shardItems(files, shard, 'pool file')
    const {part, data} = readPart(dir, shard, own.length)
    const wrong = part.run !== options.run ? 'comes from a run with other filter options' : part.benchmark !== options.benchmark ? `filters a ${part.benchmark} pool` : filter !== undefined && part.filter !== filter ? `ran filter '${part.filter}', shard 1 ran '${filter}'` : JSON.stringify(part.files) !== JSON.stringify(own) ? 'lists other pool files than this pool has for it' : part.endianness !== endianness() ? `was written on a ${part.endianness} host` : undefined
    if (wrong) throw shardError(dir, shard, `${wrong}; expected the part of this run over its ${own.length} pool file(s)`)
    filter = part.filter
    if (part.style !== 'none') {
      if (decided.style && decided.style !== part.style) throw mixedDecisions(part.filter, `shard ${index}/${options.count}`)
      decided.style = part.style
    }
    decided.poolRecords += part.pool_records
    if (part.style === 'score') {
      const uids = new Uint32Array(data.buffer, data.byteOffset, part.records * UID_RECORD_WORDS)
      const scores = new Float64Array(data.buffer, data.byteOffset + part.records * UID_BYTES, part.records)
      for (let i = 0; i < part.records; i++) decided.scored.push({score: scores[i] as number, uid: readUidHex(uids, i)})
    } else {
      decided.kept.addRecords(new Uint32Array(data.buffer, data.byteOffset, part.records * UID_RECORD_WORDS), part.kept)
    }
    options.onProgress?.({done: index, total: options.count, detail: 'merge'})
  }
  const result = await writeFilterSubset({...options, filterName: filter as string}, decided)
  await rm(dir, {recursive: true, force: true})
  return {...result, seconds: (performance.now() - started) / 1000, merged_shards: options.count}
}

async function poolFiles(benchmark: string, pool: string): Promise<string[]> {
  const spec = getBenchmark(benchmark).filter
  if (!spec) throw new DcbError('DCB_FILTER_USAGE', `benchmark '${benchmark}' has no pool records to filter`)
  return spec.poolFiles(pool)
}

function partName(shard: Shard): string {
  return `${shard.index}-of-${shard.count}`
}

/** A part's bytes: the uid records (kept, or scored), then for scores each record's float64. */
function partData(decided: FilterDecisions): Uint8Array {
  if (decided.style !== 'score') {
    const words = decided.kept.records()
    return new Uint8Array(words.buffer, words.byteOffset, words.byteLength)
  }
  const n = decided.scored.length
  const bytes = new Uint8Array(n * (UID_BYTES + SCORE_BYTES))
  const uids = new UidList()
  for (const {uid} of decided.scored) uids.add(uid, 1)
  bytes.set(new Uint8Array(uids.records().buffer, 0, n * UID_BYTES))
  new Float64Array(bytes.buffer, n * UID_BYTES, n).set(decided.scored.map((s) => s.score))
  return bytes
}

function shardError(dir: string, shard: Shard, problem: string): DcbError {
  return new DcbError('DCB_FILTER_SHARD', `shard ${shard.index}/${shard.count}: ${join(dir, partName(shard))}.json ${problem}`, {
    suggestions: [`run bench filter --shard ${shard.index}/${shard.count} with the same flags again, then merge again`],
  })
}

/** A part's JSON and bytes, checked: the schema, the size its record count gives and the sha256 it states. Never through a link. */
function readPart(dir: string, shard: Shard, files: number): {part: Part; data: Uint8Array} {
  const name = partName(shard)
  if (!existsSync(join(dir, `${name}.json`))) throw shardError(dir, shard, `is missing; expected the part of its ${files} pool file(s)`)
  let part: Part
  try {
    const parsed = PartSchema.safeParse(parseStrictJsonBytes(readFileInsideSync(dirname(dir), join(basename(dir), `${name}.json`), MAX_PART_JSON_BYTES)))
    if (!parsed.success) throw shardError(dir, shard, `is not a filter part: ${parsed.error.issues[0]?.path.join('.') || '(top)'}: ${parsed.error.issues[0]?.message}`)
    part = parsed.data
  } catch (error) {
    if (error instanceof StrictJsonError || error instanceof UnsafePathError) throw shardError(dir, shard, `cannot be read: ${error.message}`)
    throw error
  }
  if (part.shard !== `${shard.index}/${shard.count}`) throw shardError(dir, shard, `says it is shard ${part.shard}`)
  const expected = part.records * (UID_BYTES + (part.style === 'score' ? SCORE_BYTES : 0))
  const data = readBytes(dir, `${name}.bin`, expected, (problem) => shardError(dir, shard, problem))
  if (sha256Hex(data) !== part.sha256) throw shardError(dir, shard, `states a sha256 that ${name}.bin does not have (changed or broken since the shard wrote it)`)
  return {part, data}
}

/** Exactly `size` bytes of `dir/name` (8-byte aligned, for the typed views), refused at any other size. */
function readBytes(dir: string, name: string, size: number, error: (problem: string) => DcbError): Uint8Array {
  let fd: number
  try {
    fd = openInsideSync(dirname(dir), join(basename(dir), name), constants.O_RDONLY)
  } catch (e) {
    throw error(`names ${name}, which cannot be opened (${(e as Error).message})`)
  }
  try {
    const actual = fstatSync(fd).size
    if (actual !== size) throw error(`states a record count that gives ${size} bytes, but ${name} has ${actual}`)
    const data = new Uint8Array(new ArrayBuffer(size))
    for (let at = 0, n = 1; at < size && n > 0; at += n) n = readSync(fd, data, at, size - at, at)
    return data
  } finally {
    closeSync(fd)
  }
}
