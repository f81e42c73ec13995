import {mkdir, readdir, rm} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import {z} from 'zod'

import {DcbError} from '../../errors.js'
import {loadSubset, type SubsetLookup} from '../../subset/lookup.js'
import {writeFileAtomic} from '../../util/atomic-write.js'
import type {Shard} from '../../util/shards.js'
import {TarShardWriter} from '../../runner/reshard/tar-shard.js'
import {pad8, prepareDir, readJsonIfExists, removePartials} from '../../runner/reshard/out-dir.js'
import {iterateShardSamples, listDataCompShards} from './pool-shards.js'
import {canonicalUid, DATACOMP_SHARD_SIZE, finishDataCompReshard, isTemporary, type DataCompManifest, type ReshardDataCompOptions, type ShardRecord} from './reshard.js'

/**
 * DataComp resharding split over many workers (`bench reshard --shard i/N`, `--merge-shards N`, the
 * SLURM array of docs/slurm.md), byte-identical to one local `reshardDataComp`:
 *
 * 1. the plan — one pass over the pool's `.json` members only (the uids; images are read past): where
 *    each output shard starts (pool shard, sample, copy) and how many samples it holds, exactly where a
 *    local run cuts them (every `shardSize` output samples), plus the totals a local run counts
 *    (processed, output, missing, duplicates). Written to `OUT/.reshard-plan.json`;
 * 2. task i of N writes a contiguous range of output shards (tars and `_stats.json`) from its start
 *    position and records each shard's bytes and sha256 in `OUT/.reshard-parts/i-of-N.json`;
 * 3. the merge checks every shard was written and writes `sample_ids.npy`, `meta.json` and
 *    `manifest.json` with the local code (`finishDataCompReshard`).
 */

const PLAN_FILE = '.reshard-plan.json'
const PARTS_DIR = '.reshard-parts'
const PLAN_FORMAT = 'dcbench.datacomp-reshard-plan/1'

const Position = z.object({shard: z.number().int().nonnegative(), sample: z.number().int().nonnegative(), copy: z.number().int().nonnegative()}).strict()
const PlanSchema = z.object({
  format: z.literal(PLAN_FORMAT),
  subset_fingerprint: z.string(),
  pool_shards: z.array(z.string()),
  shard_size: z.number().int().positive(),
  starts: z.array(Position),
  samples: z.array(z.number().int().positive()),
  processed_count: z.number().int().nonnegative(),
  output_count: z.number().int().nonnegative(),
  pool_duplicates: z.number().int().nonnegative(),
  missing: z.number().int().nonnegative(),
}).strict()
export type DataCompReshardPlan = z.infer<typeof PlanSchema>

const ShardRecordSchema = z.object({name: z.string(), samples: z.number().int(), bytes: z.number().int(), sha256: z.string()}).strict()
const PartSchema = z.object({shard: z.string(), plan_fingerprint: z.string(), shards: z.array(z.tuple([z.number().int().nonnegative(), ShardRecordSchema]))}).strict()

/** The options of a sharded reshard step: those of a local one. */
export type ShardedReshardOptions = ReshardDataCompOptions

function damaged(file: string, problem: string): DcbError {
  return new DcbError('DCB_RESHARD_OUT', `${file}: ${problem}`, {suggestions: ['run the sharded reshard again into an empty --out folder']})
}

/** The output shards task i of N writes: a contiguous range, as even as the count allows. */
export function outputShardRange(shards: number, task: Shard): {from: number; to: number} {
  return {from: Math.floor((shards * (task.index - 1)) / task.count), to: Math.floor((shards * task.index) / task.count)}
}

/**
 * The plan of where each output shard starts, cut where a local run cuts them; reused when `OUT`
 * already holds the plan of the same inputs (another task wrote it).
 */
export async function planDataCompReshard(options: ShardedReshardOptions): Promise<{plan: DataCompReshardPlan; subset: SubsetLookup}> {
  const outDir = resolve(options.outDir)
  const shardSize = options.shardSize ?? DATACOMP_SHARD_SIZE
  const subset = await loadSubset(options.subsetFile, {recordLimit: options.recordLimit})
  const poolShards = (await listDataCompShards(options.poolDir)).map((s) => s.tar)
  const names = await prepareDir(outDir)
  const existing = await readPlan(outDir)
  if (existing && existing.subset_fingerprint === subset.fingerprint && existing.shard_size === shardSize && JSON.stringify(existing.pool_shards) === JSON.stringify(poolShards)) return {plan: existing, subset}
  if (existing || names.some((name) => !isTemporary(name) && name !== PARTS_DIR)) {
    throw new DcbError('DCB_RESHARD_OUT', `output ${outDir}: not empty (${names.length} entries) and not a sharded reshard of these inputs`, {suggestions: ['choose an empty or new --out folder']})
  }
  // a killed run's temporaries stay until the merge: another task may be planning at this moment, its temporary in flight
  const plan: DataCompReshardPlan = {format: PLAN_FORMAT, subset_fingerprint: subset.fingerprint, pool_shards: poolShards, shard_size: shardSize, starts: [], samples: [], processed_count: 0, output_count: 0, pool_duplicates: 0, missing: 0}
  let inShard = 0
  for (const [si, tar] of poolShards.entries()) {
    let sampleIndex = 0
    for await (const sample of iterateShardSamples(tar, {keep: () => false})) {
      const {count, again, position} = subset.take(canonicalUid(sample.uid, sample.shard, sample.key))
      if (position >= 0 && again) plan.pool_duplicates++
      for (let j = 0; j < count; j++) {
        if (inShard === 0) plan.starts.push({shard: si, sample: sampleIndex, copy: j})
        inShard++
        plan.output_count++
        if (inShard === shardSize) {
          plan.samples.push(inShard)
          inShard = 0
        }
      }
      plan.processed_count++
      sampleIndex++
      if (plan.processed_count % 10_000 === 0) options.onProgress?.({done: plan.processed_count, detail: 'plan'})
    }
  }
  if (inShard > 0) plan.samples.push(inShard)
  plan.missing = subset.missing()
  await writeFileAtomic(join(outDir, PLAN_FILE), `${JSON.stringify(plan)}\n`)
  return {plan, subset}
}

async function readPlan(outDir: string): Promise<DataCompReshardPlan | undefined> {
  const file = join(outDir, PLAN_FILE)
  const raw = await readJsonIfExists<unknown>(file)
  if (raw === undefined) return undefined
  const parsed = PlanSchema.safeParse(raw)
  if (!parsed.success) throw damaged(file, `not a reshard plan (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`)
  return parsed.data
}

function planFingerprint(plan: DataCompReshardPlan): string {
  return `${plan.subset_fingerprint}:${plan.output_count}:${plan.starts.length}`
}

/** Task i of N: plans (or reads the plan), then writes its range of output shards and its part. */
export async function reshardDataCompShard(options: ShardedReshardOptions & {shard: Shard}): Promise<{shard: Shard; output_shards: number[]; part: string}> {
  const outDir = resolve(options.outDir)
  const {plan, subset} = await planDataCompReshard(options)
  const {from, to} = outputShardRange(plan.starts.length, options.shard)
  const written: [number, ShardRecord][] = []
  let k = from
  if (k < to) {
    const start = plan.starts[k] as z.infer<typeof Position>
    let writer: TarShardWriter | undefined
    let inShard = 0
    try {
      outer: for (let si = start.shard; si < plan.pool_shards.length; si++) {
        let sampleIndex = 0
        for await (const sample of iterateShardSamples(plan.pool_shards[si] as string)) {
          const atStart = si === start.shard
          if (atStart && sampleIndex < start.sample) {
            sampleIndex++
            continue
          }
          const uidHex = canonicalUid(sample.uid, sample.shard, sample.key)
          const count = subset.count(uidHex)
          for (let j = atStart && sampleIndex === start.sample ? start.copy : 0; j < count; j++) {
            writer ??= new TarShardWriter(join(outDir, `${pad8(k)}.tar`))
            for (const [ext, data] of Object.entries(sample.members)) await writer.add(`${uidHex}-${j}.${ext}`, data)
            inShard++
            if (inShard === plan.samples[k]) {
              const done = await writer.close()
              writer = undefined
              await writeFileAtomic(join(outDir, `${pad8(k)}_stats.json`), `${JSON.stringify({successes: inShard})}\n`)
              written.push([k, {name: `${pad8(k)}.tar`, samples: inShard, bytes: done.bytes, sha256: done.sha256}])
              options.onProgress?.({done: k + 1 - from, total: to - from, detail: 'output shards'})
              inShard = 0
              if (++k === to) break outer
            }
          }
          sampleIndex++
        }
      }
    } catch (error) {
      await writer?.abort()
      throw error
    }
    if (k !== to) throw damaged(join(outDir, PLAN_FILE), `the pool ended before output shard ${k}; the pool changed since the plan`)
  }
  await mkdir(join(outDir, PARTS_DIR), {recursive: true})
  const part = join(outDir, PARTS_DIR, `${options.shard.index}-of-${options.shard.count}.json`)
  await writeFileAtomic(part, `${JSON.stringify({shard: `${options.shard.index}/${options.shard.count}`, plan_fingerprint: planFingerprint(plan), shards: written})}\n`)
  return {shard: options.shard, output_shards: written.map(([n]) => n), part}
}

/** The merge: every output shard written by its task, then the local run's closing files; the plan and parts removed. */
export async function mergeDataCompReshard(options: ShardedReshardOptions & {count: number}): Promise<DataCompManifest> {
  const outDir = resolve(options.outDir)
  const plan = await readPlan(outDir)
  if (!plan) throw damaged(join(outDir, PLAN_FILE), 'missing: no sharded reshard to merge here (run bench reshard --shard i/N first)')
  const subset = await loadSubset(options.subsetFile, {recordLimit: options.recordLimit})
  if (subset.fingerprint !== plan.subset_fingerprint) throw damaged(join(outDir, PLAN_FILE), 'is the plan of another subset')
  const shards: (ShardRecord | undefined)[] = Array.from({length: plan.starts.length})
  for (let index = 1; index <= options.count; index++) {
    const file = join(outDir, PARTS_DIR, `${index}-of-${options.count}.json`)
    const {from, to} = outputShardRange(plan.starts.length, {index, count: options.count})
    const raw = await readJsonIfExists<unknown>(file)
    if (raw === undefined) throw new DcbError('DCB_RESHARD_SHARD', `shard ${index}/${options.count}: ${file} is missing; expected its output shards ${from}…${to - 1}`, {suggestions: [`run bench reshard --shard ${index}/${options.count} with the same flags, then merge again`]})
    const parsed = PartSchema.safeParse(raw)
    if (!parsed.success || parsed.data.plan_fingerprint !== planFingerprint(plan)) throw damaged(file, 'not a part of this plan')
    for (const [n, record] of parsed.data.shards) if (n >= from && n < to) shards[n] = record
  }
  const lacking = shards.findIndex((s) => s === undefined)
  if (lacking >= 0) throw damaged(join(outDir, PARTS_DIR), `no part records output shard ${lacking}`)
  const manifest = await finishDataCompReshard(options, subset, plan.pool_shards.length, {processed: plan.processed_count, output: plan.output_count, duplicates: plan.pool_duplicates, missing: plan.missing, shards: shards as ShardRecord[]})
  await rm(join(outDir, PARTS_DIR), {recursive: true, force: true})
  await rm(join(outDir, PLAN_FILE), {force: true})
  await removePartials(outDir, await readdir(outDir))
  return manifest
}
