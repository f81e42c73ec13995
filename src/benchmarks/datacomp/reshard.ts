import {copyFile, rm, writeFile} from 'node:fs/promises'
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
  /** Subset records with no sample in the pool (the resharder's "K images … were not found"). */
  missing: number
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
  format: 'dcbench.reshard-state/1'
  subset_fingerprint: string
  pool_shards: string[]
  shard_size: number
  next: Position
  processed_count: number
  output_count: number
  shards: ShardRecord[]
}

export interface ReshardDataCompResult {
  manifest: DataCompManifest
  /** Output shards found complete from an earlier, interrupted run. */
  resumedShards: number
  /** The folder was already complete for this subset; nothing was done. */
  alreadyComplete: boolean
}

export async function reshardDataComp(options: ReshardDataCompOptions): Promise<ReshardDataCompResult> {
  const shardSize = options.shardSize ?? DATACOMP_SHARD_SIZE
  const outDir = resolve(options.outDir)
  const subset = await loadSubset(options.subsetFile, {recordLimit: options.recordLimit})
  const poolShards = await listDataCompShards(options.poolDir)
  const poolNames = poolShards.map((s) => s.tar)

  const names = await prepareDir(outDir)
  const existing = await readJsonIfExists<DataCompManifest>(join(outDir, 'manifest.json'))
  if (existing) {
    if (existing.subset?.fingerprint !== subset.fingerprint) {
      throw new DcbError('DCB_RESHARD_OUT', `output ${outDir}: already holds training shards of another subset (fingerprint ${String(existing.subset?.fingerprint).slice(0, 12)}…, this one ${subset.fingerprint.slice(0, 12)}…)`, {
        suggestions: ['choose an empty --out folder'],
      })
    }
    return {manifest: existing, resumedShards: existing.shards.length, alreadyComplete: true}
  }
  let state = await readJsonIfExists<State>(join(outDir, STATE_FILE))
  if (state) {
    const same = state.subset_fingerprint === subset.fingerprint && state.shard_size === shardSize && JSON.stringify(state.pool_shards) === JSON.stringify(poolNames)
    if (!same) {
      throw new DcbError('DCB_RESHARD_OUT', `output ${outDir}: holds an interrupted reshard of another subset, pool or shard size; cannot resume it with these inputs`, {
        suggestions: ['run the same command as before to resume it, or choose an empty --out folder'],
      })
    }
  } else if (names.length > 0) {
    throw new DcbError('DCB_RESHARD_OUT', `output ${outDir}: not empty (${names.length} entries) and not a dcbench reshard to resume`, {suggestions: ['choose an empty or new --out folder']})
  }
  await removePartials(outDir, names)
  const resumedShards = state?.shards.length ?? 0
  state ??= {format: 'dcbench.reshard-state/1', subset_fingerprint: subset.fingerprint, pool_shards: poolNames, shard_size: shardSize, next: {shard: 0, sample: 0, copy: 0}, processed_count: 0, output_count: 0, shards: []}

  const total = poolShards.every((s) => s.successes !== undefined) ? poolShards.reduce((sum, s) => sum + (s.successes ?? 0), 0) : undefined
  const start = state.next
  let processed = state.processed_count
  let output = state.output_count
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
    inShard = 0
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
        const count = subset.count(uidHex)
        const firstCopy = atStart && sampleIndex === start.sample ? start.copy : 0
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

  await writeSampleIds(subset, join(outDir, 'sample_ids.npy'))
  const meta = {
    input_dir: resolve(options.poolDir),
    output_dir: outDir,
    subset_file: resolve(options.subsetFile),
    shard_size: shardSize,
    output_shard_format: '{:08d}.tar',
    processed_count: processed,
    output_count: output,
    blur_count: 0,
    blur_time: 0,
    output_shard_count: state.shards.length,
    worker_success: 1,
    cwd: process.cwd(),
  }
  await writeFileAtomic(join(outDir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`)
  const manifest: DataCompManifest = {
    format: DATACOMP_MANIFEST_FORMAT,
    benchmark: 'datacomp',
    scale: options.scale ?? null,
    subset: {file: resolve(options.subsetFile), format: subset.format, fingerprint: subset.fingerprint, size: subset.size, unique: subset.unique},
    pool: {dir: resolve(options.poolDir), shards: poolShards.length, processed_count: processed, index_sha256: await poolIndexSha256(options.poolDir)},
    output_count: output,
    missing: subset.size - output,
    shard_size: shardSize,
    shards: state.shards,
    harness_version: harnessVersion(),
  }
  await writeFileAtomic(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  await rm(join(outDir, STATE_FILE), {force: true})
  return {manifest, resumedShards, alreadyComplete: false}
}

/** The uid as the resharder keys it: `int(uid, 16)` written as 32 lowercase hex digits. */
function canonicalUid(uid: string, shard: string, key: string): string {
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
