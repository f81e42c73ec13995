import {join} from 'node:path'

import {DcbError} from '../errors.js'

/**
 * `bench eval --shard i/N`: the tasks of one evaluation split over N shards, deterministically, so
 * that N processes (a SLURM job array, or N shells) each run a share and a merge writes the results
 * file a local eval writes. Task k of the selection (in the order a local eval runs them) goes to shard
 * (k mod N) + 1: round-robin, so neighbouring tasks — often of one size — spread over the shards.
 */

/** Shard `index` (1-based) of `count`. */
export interface EvalShard {
  index: number
  count: number
}

/** The folder under an eval's --out that holds the shards' partial outputs. */
export const EVAL_SHARDS_DIR = 'eval-shards'

/** At most this many shards (SLURM's default MaxArraySize is 1001). */
export const MAX_SHARDS = 1000

/** Parses `i/N` (1 ≤ i ≤ N ≤ 1000). */
export function parseShard(text: string, flag = '--shard'): EvalShard {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim())
  const index = Number(m?.[1])
  const count = Number(m?.[2])
  if (!m || index < 1 || count > MAX_SHARDS || index > count) {
    throw new DcbError('DCB_USAGE', `${flag}: ${JSON.stringify(text.slice(0, 40))} is not a shard; expected i/N with 1 ≤ i ≤ N ≤ ${MAX_SHARDS}, e.g. 2/4`)
  }
  return {index, count}
}

/** The tasks of one shard, in the selection's order. Refuses a shard that would hold no task. */
export function shardTasks(keys: readonly string[], shard: EvalShard): string[] {
  if (shard.count > keys.length) {
    throw new DcbError('DCB_USAGE', `--shard ${shard.index}/${shard.count}: the evaluation has ${keys.length} task(s), fewer than ${shard.count} shards; use at most ${keys.length} shards`)
  }
  return keys.filter((_, k) => k % shard.count === shard.index - 1)
}

/** Where shard i/N writes its partial outputs: OUT/eval-shards/<i>-of-<N>/ (an ordinary eval output folder). */
export function shardDir(outDir: string, shard: EvalShard): string {
  return join(outDir, EVAL_SHARDS_DIR, `${shard.index}-of-${shard.count}`)
}

/** Every shard of N with its folder and tasks, for the merge. */
export function allShards(outDir: string, keys: readonly string[], count: number): {shard: EvalShard; dir: string; tasks: string[]}[] {
  return Array.from({length: count}, (_, i) => {
    const shard = {index: i + 1, count}
    return {shard, dir: shardDir(outDir, shard), tasks: shardTasks(keys, shard)}
  })
}
