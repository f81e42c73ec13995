import {DcbError} from '../errors.js'

/**
 * Shard i of N of a list of work items (eval tasks, pool files), for `--shard i/N` and the SLURM job
 * arrays that run one shard per array task: item k goes to shard (k mod N) + 1 — round-robin, so
 * neighbouring items, often of one size, spread over the shards — and each shard keeps the list's order.
 */

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  index: number
  count: number
}

/** At most this many shards (SLURM's default MaxArraySize is 1001). */
export const MAX_SHARDS = 1000

/** Parses `i/N` (1 ≤ i ≤ N ≤ 1000). */
export function parseShard(text: string, flag = '--shard'): Shard {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim())
  const index = Number(m?.[1])
  const count = Number(m?.[2])
  if (!m || index < 1 || count > MAX_SHARDS || index > count) {
    throw new DcbError('DCB_USAGE', `${flag}: ${JSON.stringify(text.slice(0, 40))} is not a shard; expected i/N with 1 ≤ i ≤ N ≤ ${MAX_SHARDS}, e.g. 2/4`)
  }
  return {index, count}
}

/** The items of one shard, in the list's order. Refuses a shard that would hold nothing. */
export function shardItems<T>(items: readonly T[], shard: Shard, noun = 'task'): T[] {
  if (shard.count > items.length) {
    throw new DcbError('DCB_USAGE', `--shard ${shard.index}/${shard.count}: the work has ${items.length} ${noun}(s), fewer than ${shard.count} shards; use at most ${items.length} shards`)
  }
  return items.filter((_, k) => k % shard.count === shard.index - 1)
}
