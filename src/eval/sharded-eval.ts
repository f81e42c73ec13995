import {rm} from 'node:fs/promises'
import {join} from 'node:path'

import type {Benchmark, EvalRunOutcome} from '../benchmarks/benchmark.js'
import {DcbError} from '../errors.js'
import {allShards, EVAL_SHARDS_DIR, shardDir, shardTasks, type EvalShard} from './shards.js'

/**
 * `bench eval --shard i/N` and `--merge-shards N` over any benchmark whose adapter lists its tasks and
 * merges shard outputs (`eval.taskKeys`, `eval.mergeShards`): a shard is an ordinary eval of its share
 * of the tasks into OUT/eval-shards/<i>-of-<N>/; the merge puts every shard's per-task results into OUT
 * and runs the ordinary eval there, which finds every task done and writes the results file a local
 * eval writes.
 */

/** An eval's options, for any registered benchmark. */
export type ShardableEvalOptions = Parameters<NonNullable<Benchmark['eval']['run']>>[0]

function sharding(benchmark: Benchmark): {taskKeys: NonNullable<Benchmark['eval']['taskKeys']>; mergeShards: NonNullable<Benchmark['eval']['mergeShards']>; run: NonNullable<Benchmark['eval']['run']>} {
  const {taskKeys, mergeShards, run} = benchmark.eval
  if (!taskKeys || !mergeShards || !run) throw new DcbError('DCB_NOT_AVAILABLE', `bench eval --shard: --benchmark ${benchmark.id} cannot split its evaluation into shards in this build`)
  return {taskKeys, mergeShards, run}
}

/** Every task of the evaluation `options` asks for, in the order a local eval runs them. */
export function evalTaskKeys(benchmark: Benchmark, options: Pick<ShardableEvalOptions, 'scale' | 'tasks'>): string[] {
  return sharding(benchmark).taskKeys(options.scale, options.tasks)
}

/** Runs one shard: its tasks, into its own folder under OUT. */
export async function runEvalShard(benchmark: Benchmark, options: ShardableEvalOptions, shard: EvalShard): Promise<EvalRunOutcome & {shard: EvalShard; shardTasks: string[]; shardDir: string}> {
  const {run} = sharding(benchmark)
  const tasks = shardTasks(evalTaskKeys(benchmark, options), shard)
  const dir = shardDir(options.outDir, shard)
  const outcome = await run({...options, outDir: dir, tasks} )
  return {...outcome, shard, shardTasks: tasks, shardDir: dir}
}

/**
 * Merges the N shards' outputs into OUT and runs the eval there (every task already done: nothing is
 * scored again). With `keepShards` false the shard folders are removed once the merged file is written.
 */
export async function mergeEvalShards(benchmark: Benchmark, options: ShardableEvalOptions, count: number, keepShards = false): Promise<EvalRunOutcome & {merged_shards: number}> {
  const {mergeShards, run} = sharding(benchmark)
  const tasks = evalTaskKeys(benchmark, options)
  const parts = allShards(options.outDir, tasks, count).map(({shard, dir, tasks: own}) => ({label: `shard ${shard.index}/${shard.count}`, dir, tasks: own}))
  await mergeShards({outDir: options.outDir, tasks, parts})
  const outcome = await run(options )
  if (!keepShards) await rm(join(options.outDir, EVAL_SHARDS_DIR), {recursive: true, force: true})
  return {...outcome, merged_shards: count}
}
