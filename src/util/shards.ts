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

/** Every shard of `count` (1/count … count/count), in order. */
export function everyShard(count: number): Shard[] {
  return Array.from({length: count}, (_, i) => ({index: i + 1, count}))
}

/** One shard of a plan: its `i/N` and its items under `key` (`files`, `tasks`). */
export type PlannedShard<K extends string, T> = {shard: string} & {[key in K]: T[]}

/**
 * The plan of `count` shards of `items` — for each shard `{shard: 'i/N', [key]: its items}`, as a SLURM
 * array's `--dry-run --json` lists them. Refuses more shards than items, as `shardItems` does.
 */
export function shardPlan<T, K extends string>(items: readonly T[], count: number, noun: string, key: K): PlannedShard<K, T>[] {
  return everyShard(count).map((shard) => ({shard: `${shard.index}/${count}`, [key]: shardItems(items, shard, noun)}) as PlannedShard<K, T>)
}
