import {join} from 'node:path'

import {everyShard, shardItems, type Shard} from '../util/shards.js'

/**
 * `bench eval --shard i/N`: the tasks of one evaluation split over N shards, deterministically, so
 * that N processes (a SLURM job array, or N shells) each run a share and a merge writes the results
 * file a local eval writes. Task k of the selection (in the order a local eval runs them) goes to shard
 * (k mod N) + 1: round-robin, so neighbouring tasks — often of one size — spread over the shards.
 */

/** Shard `index` (1-based) of `count`. */
export type EvalShard = Shard

/** The folder under an eval's --out that holds the shards' partial outputs. */
export const EVAL_SHARDS_DIR = 'eval-shards'

export {parseShard} from '../util/shards.js'

/** The tasks of one shard, in the selection's order. Refuses a shard that would hold no task. */
export function shardTasks(keys: readonly string[], shard: EvalShard): string[] {
  return shardItems(keys, shard, 'task')
}

/** Where shard i/N writes its partial outputs: OUT/eval-shards/<i>-of-<N>/ (an ordinary eval output folder). */
export function shardDir(outDir: string, shard: EvalShard): string {
  return join(outDir, EVAL_SHARDS_DIR, `${shard.index}-of-${shard.count}`)
}

/** Every shard of N with its folder and tasks, for the merge. */
export function allShards(outDir: string, keys: readonly string[], count: number): {shard: EvalShard; dir: string; tasks: string[]}[] {
  return everyShard(count).map((shard) => ({shard, dir: shardDir(outDir, shard), tasks: shardTasks(keys, shard)}))
}
