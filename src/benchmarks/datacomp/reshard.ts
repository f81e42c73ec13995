import {copyFile, open, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import {DcbError} from '../../errors.js'
import {readUidHex, recordBytes, uidRecord, UID_RECORD_WORDS} from '../../pool/uid.js'
import {iterateShardSamples, listDataCompShards} from './pool-shards.js'
import {loadSubset, type SubsetLookup} from '../../subset/lookup.js'
import {uidNpyHeader} from '../../subset/npy.js'
import type {SubsetRecordLimit} from '../../subset/record-limit.js'
import type {ProgressListener} from '../../ui/progress.js'
import {writeAtomically, writeFileAtomic} from '../../util/atomic-write.js'
import {harnessVersion} from '../../util/paths.js'
import {TarShardWriter} from '../../runner/reshard/tar-shard.js'
import {pad8, poolIndexSha256, prepareDir, readJsonIfExists, removePartials} from '../../runner/reshard/out-dir.js'

/**
 * DataComp resharding, as the official `resharder.py` does it (datacomp spec §2.4): every pool sample
 * whose uid is in the subset is copied `count(uid)` times with the webdataset key rewritten to
 * `{uid_hex}-{j}`, all members unchanged, into `{00000000..}.tar` of at most `shardSize` samples,
 * each with `{:08d}_stats.json`; plus `sample_ids.npy`, `meta.json` and dcbench's `manifest.json`
 * (written last: its presence means the folder is complete).
 *
 * One worker, streamed: memory holds the subset (16 bytes a record) and one sample. Resumable: after
 * each finished output shard a hidden state file records where in the pool the next shard starts, so
 * an interrupted run, started again, continues after its last complete shard without re-reading the
 * pool shards before that point.
 */

/** The resharder's default `--shard-size`. */
export const DATACOMP_SHARD_SIZE = 10_000
export const DATACOMP_MANIFEST_FORMAT = 'dcbench.datacomp-shards/1'
const STATE_FILE = '.reshard-state.json'
/**
 * The subset uids found in the pool so far, as their `SubsetLookup` positions (float64, little-endian),
 * appended at each finished shard; the state records how many bytes of it are final, so a resumed
 * run knows which uids the pool shards before its start point had (for `missing` and duplicates).
 */
const FOUND_FILE = '.reshard-found.bin'

/** One output shard in the manifest. */
export interface ShardRecord {
  name: string
  samples: number
  bytes: number
  sha256: string
}

/** `DATA/manifest.json` of DataComp training shards. */
export interface DataCompManifest {
  format: typeof DATACOMP_MANIFEST_FORMAT
  benchmark: 'datacomp'
  scale: string | null
  subset: {file: string; format: string; fingerprint: string; size: number; unique: number}
  pool: {dir: string; shards: number; processed_count: number; index_sha256: string | null}
  /** Samples written (repeats counted). */
  output_count: number
  /**
   * Subset records whose uid no pool sample has (the resharder's "K images … were not found" — which
   * it computes as subset size − output count, negative when the pool repeats a uid; dcbench counts).
   */
  missing: number
  /** Pool samples the subset selects whose uid an earlier pool sample already had; written too, as the resharder writes them. */
  pool_duplicates: number
  shard_size: number
  shards: ShardRecord[]
  harness_version: string
}

export interface ReshardDataCompOptions {
  subsetFile: string
  poolDir: string
  outDir: string
  scale?: string
  shardSize?: number
  /** The most records the subset may hold (see subset/record-limit.ts). */
  recordLimit: SubsetRecordLimit
  onProgress?: ProgressListener
}

interface Position {
  /** Pool shard index, sample index in it, copies of that sample already written. */
  shard: number
  sample: number
  copy: number
}

interface State {
  format: typeof STATE_FORMAT
  subset_fingerprint: string
  pool_shards: string[]
  shard_size: number
  next: Position
  processed_count: number
  output_count: number
  pool_duplicates: number
  /** Bytes of FOUND_FILE written when this state was. */
  found_bytes: number
  shards: ShardRecord[]
}

const STATE_FORMAT = 'dcbench.reshard-state/2'

export interface ReshardDataCompResult {
  manifest: DataCompManifest
  /** Output shards found complete from an earlier, interrupted run. */
  resumedShards: number
  /** The folder was already complete for this subset; nothing was done. */
  alreadyComplete: boolean
  /** Every shard's stats file records no lost sample (a synthetic pool), so a uid not found is not in the pool at all. */
  poolComplete: boolean
}

/** What a reshard and its completeness check both read first: the subset, the pool's shards. */
async function dataCompInputs(options: ReshardDataCompOptions): Promise<{outDir: string; subset: SubsetLookup; poolShards: Awaited<ReturnType<typeof listDataCompShards>>; poolComplete: boolean}> {
  const subset = await loadSubset(options.subsetFile, {recordLimit: options.recordLimit})
  const poolShards = await listDataCompShards(options.poolDir)
  return {outDir: resolve(options.outDir), subset, poolShards, poolComplete: poolShards.every((s) => s.failed === 0)}
}

/** The result where OUT's manifest.json records this subset (finished: nothing to do); undefined where OUT has none; refuses another subset's. */
async function finishedReshard({outDir, subset, poolComplete}: Awaited<ReturnType<typeof dataCompInputs>>): Promise<ReshardDataCompResult | undefined> {
  const existing = await readJsonIfExists<DataCompManifest>(join(outDir, 'manifest.json'))
  if (!existing) return undefined
  if (existing.subset?.fingerprint !== subset.fingerprint) {
    throw new DcbError('DCB_RESHARD_OUT', `output ${outDir}: already holds training shards of another subset (fingerprint ${String(existing.subset?.fingerprint).slice(0, 12)}…, this one ${subset.fingerprint.slice(0, 12)}…)`, {
      suggestions: ['choose an empty --out folder'],
    })
  }
  return {manifest: existing, resumedShards: existing.shards.length, alreadyComplete: true, poolComplete}
}

/**
 * `reshardDataComp`'s own check of OUT, writing nothing: its result where OUT already holds this
 * subset's finished reshard (a local or a sharded one), undefined where it does not — a folder that is
 * not there, or not a folder, is left to the reshard to create or refuse (`bench reshard --executor
 * slurm` asks before submitting).
 */
export async function completeDataCompReshard(options: ReshardDataCompOptions): Promise<ReshardDataCompResult | undefined> {
  if (!(await stat(resolve(options.outDir)).catch(() => undefined))?.isDirectory()) return undefined
  return finishedReshard(await dataCompInputs(options))
}

export async function reshardDataComp(options: ReshardDataCompOptions): Promise<ReshardDataCompResult> {
  const shardSize = options.shardSize ?? DATACOMP_SHARD_SIZE
  const inputs = await dataCompInputs(options)
  const {outDir, subset, poolShards, poolComplete} = inputs
  const poolNames = poolShards.map((s) => s.tar)

  const names = await prepareDir(outDir)
  const already = await finishedReshard(inputs)
  if (already) return already
  let state = await readJsonIfExists<State>(join(outDir, STATE_FILE))
  if (state) {
    if (state.format !== STATE_FORMAT) {
      throw new DcbError('DCB_RESHARD_OUT', `output ${outDir}: holds an interrupted reshard in state format ${JSON.stringify(state.format)}; this dcbench resumes ${STATE_FORMAT}`, {suggestions: ['choose an empty --out folder, or delete this one and reshard again']})
    }
    const same = state.subset_fingerprint === subset.fingerprint && state.shard_size === shardSize && JSON.stringify(state.pool_shards) === JSON.stringify(poolNames)
    if (!same) {
      throw new DcbError('DCB_RESHARD_OUT', `output ${outDir}: holds an interrupted reshard of another subset, pool or shard size; cannot resume it with these inputs`, {
        suggestions: ['run the same command as before to resume it, or choose an empty --out folder'],
      })
    }
  } else if (names.some((name) => !isTemporary(name))) {
    // only the temporaries of a run killed before it wrote its first state: nothing to resume, start over
    throw new DcbError('DCB_RESHARD_OUT', `output ${outDir}: not empty (${names.length} entries) and not a dcbench reshard to resume`, {suggestions: ['choose an empty or new --out folder']})
  }
  await removePartials(outDir, names)
  const resumedShards = state?.shards.length ?? 0
  if (state) {
    for (const position of await readFoundLog(join(outDir, FOUND_FILE), state.found_bytes, subset.size)) subset.markFound(position)
  } else {
    state = {format: STATE_FORMAT, subset_fingerprint: subset.fingerprint, pool_shards: poolNames, shard_size: shardSize, next: {shard: 0, sample: 0, copy: 0}, processed_count: 0, output_count: 0, pool_duplicates: 0, found_bytes: 0, shards: []}
    await rm(join(outDir, FOUND_FILE), {force: true})
    // written before any shard, so a run killed at any moment leaves a folder the next run resumes
    await writeFileAtomic(join(outDir, STATE_FILE), `${JSON.stringify(state)}\n`)
  }

  const total = poolShards.every((s) => s.successes !== undefined) ? poolShards.reduce((sum, s) => sum + (s.successes ?? 0), 0) : undefined
  const start = state.next
  let processed = state.processed_count
  let output = state.output_count
  let duplicates = state.pool_duplicates
  let foundSince: number[] = []
  let writer: TarShardWriter | undefined
  let inShard = 0
  let lastReport = 0
  const report = (): void => options.onProgress?.({done: processed, total, detail: `${output} written, ${state.shards.length} shards`})

  const closeShard = async (next: Position, processedAtNext: number): Promise<void> => {
    if (!writer) return
    const shardNo = state.shards.length
    const written = await writer.close()
    writer = undefined
    await writeFileAtomic(join(outDir, `${pad8(shardNo)}_stats.json`), `${JSON.stringify({successes: inShard})}\n`)
    state.shards.push({name: `${pad8(shardNo)}.tar`, samples: inShard, bytes: written.bytes, sha256: written.sha256})
    state.next = next
    state.processed_count = processedAtNext
    state.output_count = output
    state.pool_duplicates = duplicates
    inShard = 0
    state.found_bytes = await appendFoundLog(join(outDir, FOUND_FILE), state.found_bytes, foundSince)
    foundSince = []
    await writeFileAtomic(join(outDir, STATE_FILE), `${JSON.stringify(state)}\n`)
    report()
  }

  try {
    for (let si = start.shard; si < poolShards.length; si++) {
      let sampleIndex = 0
      for await (const sample of iterateShardSamples((poolShards[si] as {tar: string}).tar)) {
        const atStart = si === start.shard
        if (atStart && sampleIndex < start.sample) {
          sampleIndex++
          continue
        }
        const uidHex = canonicalUid(sample.uid, sample.shard, sample.key)
        const firstCopy = atStart && sampleIndex === start.sample ? start.copy : 0
        // a sample resumed mid-way through its copies was taken (and logged) before the interruption
        const {count, again, position} = firstCopy > 0 ? {count: subset.count(uidHex), again: false, position: -1} : subset.take(uidHex)
        if (position >= 0) {
          if (again) duplicates++
          else foundSince.push(position)
        }
        for (let j = firstCopy; j < count; j++) {
          writer ??= new TarShardWriter(join(outDir, `${pad8(state.shards.length)}.tar`))
          for (const [ext, data] of Object.entries(sample.members)) await writer.add(`${uidHex}-${j}.${ext}`, data)
          inShard++
          output++
          if (inShard === shardSize) {
            const done = j + 1 >= count
            await closeShard(done ? {shard: si, sample: sampleIndex + 1, copy: 0} : {shard: si, sample: sampleIndex, copy: j + 1}, processed + (done ? 1 : 0))
          }
        }
        processed++
        sampleIndex++
        if (processed - lastReport >= 1000) {
          lastReport = processed
          report()
        }
      }
    }
    await closeShard({shard: poolShards.length, sample: 0, copy: 0}, processed)
  } catch (error) {
    await writer?.abort()
    throw error
  }
  report()

  const manifest = await finishDataCompReshard(options, subset, poolShards.length, {processed, output, duplicates, missing: subset.missing(), shards: state.shards})
  await rm(join(outDir, STATE_FILE), {force: true})
  await rm(join(outDir, FOUND_FILE), {force: true})
  return {manifest, resumedShards, alreadyComplete: false, poolComplete}
}

/**
 * The files a reshard writes after its last shard — sample_ids.npy, meta.json, then manifest.json —
 * from the totals of the pass over the pool (one local pass, or the plan of a sharded run) and the shards written.
 */
export async function finishDataCompReshard(
  options: {subsetFile: string; poolDir: string; outDir: string; scale?: string; shardSize?: number},
  subset: SubsetLookup,
  poolShards: number,
  done: {processed: number; output: number; duplicates: number; missing: number; shards: ShardRecord[]},
): Promise<DataCompManifest> {
  const outDir = resolve(options.outDir)
  const shardSize = options.shardSize ?? DATACOMP_SHARD_SIZE
  await writeSampleIds(subset, join(outDir, 'sample_ids.npy'))
  const meta = {
    input_dir: resolve(options.poolDir),
    output_dir: outDir,
    subset_file: resolve(options.subsetFile),
    shard_size: shardSize,
    output_shard_format: '{:08d}.tar',
    processed_count: done.processed,
    output_count: done.output,
    blur_count: 0,
    blur_time: 0,
    output_shard_count: done.shards.length,
    worker_success: 1,
    cwd: process.cwd(),
  }
  await writeFileAtomic(join(outDir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`)
  const manifest: DataCompManifest = {
    format: DATACOMP_MANIFEST_FORMAT,
    benchmark: 'datacomp',
    scale: options.scale ?? null,
    subset: {file: resolve(options.subsetFile), format: subset.format, fingerprint: subset.fingerprint, size: subset.size, unique: subset.unique},
    pool: {dir: resolve(options.poolDir), shards: poolShards, processed_count: done.processed, index_sha256: await poolIndexSha256(options.poolDir)},
    output_count: done.output,
    missing: done.missing,
    pool_duplicates: done.duplicates,
    shard_size: shardSize,
    shards: done.shards,
    harness_version: harnessVersion(),
  }
  await writeFileAtomic(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  return manifest
}

/** A name `tempPathFor` or the resharder's own bookkeeping gives: what a killed run leaves besides finished shards. */
export function isTemporary(name: string): boolean {
  return (name.startsWith('.') && name.endsWith('.partial')) || name === FOUND_FILE
}

/** Appends positions to the found log (after truncating it to the `bytes` the last state recorded); returns its new length. */
async function appendFoundLog(file: string, bytes: number, positions: readonly number[]): Promise<number> {
  const handle = await open(file, bytes === 0 ? 'w' : 'r+')
  try {
    await handle.truncate(bytes)
    const data = Buffer.alloc(positions.length * 8)
    positions.forEach((p, i) => data.writeDoubleLE(p, i * 8))
    await handle.write(data, 0, data.length, bytes)
    return bytes + data.length
  } finally {
    await handle.close()
  }
}

/** The first `bytes` bytes of the found log as positions below `size`; anything else is a damaged folder. */
async function readFoundLog(file: string, bytes: number, size: number): Promise<number[]> {
  if (bytes === 0) return []
  const damaged = (what: string): DcbError => new DcbError('DCB_RESHARD_OUT', `${file}: ${what}; the interrupted reshard's folder is damaged`, {suggestions: ['delete the folder and reshard again']})
  if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes % 8 !== 0) throw damaged(`the state records ${bytes} bytes of it`)
  const data = await readFile(file).catch(() => Buffer.alloc(0))
  if (data.length < bytes) throw damaged(`${data.length} bytes, but the state records ${bytes}`)
  const positions = Array.from({length: bytes / 8}, (_, i) => data.readDoubleLE(i * 8))
  const bad = positions.find((p) => !Number.isInteger(p) || p < 0 || p >= size)
  if (bad !== undefined) throw damaged(`position ${bad} is not a record of the ${size}-record subset`)
  return positions
}

/** The uid as the resharder keys it: `int(uid, 16)` written as 32 lowercase hex digits. */
export function canonicalUid(uid: string, shard: string, key: string): string {
  try {
    return readUidHex(uidRecord(uid), 0)
  } catch {
    throw new DcbError('DCB_POOL_INPUT', `DataComp shard ${shard}, sample ${key}: uid ${JSON.stringify(uid)} is not 1–32 hex digits`)
  }
}

/**
 * `sample_ids.npy`: the resharder copies the subset file byte for byte; so does dcbench for npy and
 * raw subsets. Parquet/CSV subsets are written as the canonical sorted npy, so the file is always one
 * numpy can load.
 */
async function writeSampleIds(subset: SubsetLookup, target: string): Promise<void> {
  await writeAtomically(target, async (temp) => {
    if (subset.format === 'npy' || subset.format === 'raw') return copyFile(subset.path, temp)
    const records = subset.records.subarray(0, subset.size * UID_RECORD_WORDS)
    return writeFile(temp, Buffer.concat([uidNpyHeader(subset.size), recordBytes(records)]))
  })
}
