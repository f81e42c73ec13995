import {DcbError} from '../../errors.js'
import type {Shard} from '../../util/shards.js'
import {discardOutput, reshard, reshardRun, type ReshardOptions, type ReshardResult} from './index.js'

/**
 * `bench reshard --shard i/N` and `--merge-shards N` (and the SLURM array that runs them): the
 * benchmark's sharded resharder (its adapter's `reshard.sharded`), byte-identical to one local reshard.
 * After the merge the ordinary reshard reads the finished folder back, so the result — and a refusal of
 * the subset, after which the folder is emptied as a local run leaves it — is a local run's.
 */

async function sharded(options: ReshardOptions): Promise<{resharder: NonNullable<Awaited<ReturnType<typeof reshardRun>>['resharder']['sharded']>; run: Awaited<ReturnType<typeof reshardRun>>['run']}> {
  const {benchmark, resharder, run} = await reshardRun(options)
  if (!resharder.sharded) {
    throw new DcbError('DCB_NOT_AVAILABLE', `${benchmark.title} reshards cannot be split over workers (--shard, --merge-shards, --shards): its resharder writes every output shard from the whole subset (docs/slurm.md)`, {
      suggestions: ['run it without --shard (bench reshard --executor slurm runs it as one job on one node)'],
    })
  }
  return {resharder: resharder.sharded, run}
}

/** True when the benchmark's resharder can be split over workers. */
export async function canShardReshard(options: ReshardOptions): Promise<boolean> {
  return (await reshardRun(options)).resharder.sharded !== undefined
}

/** Plans the sharded reshard (writes the plan into OUT): how many output shards the tasks will write. */
export async function planReshardShards(options: ReshardOptions): Promise<{outputShards: number; outputCount: number}> {
  const {resharder, run} = await sharded(options)
  return resharder.plan(run)
}

/** Task i of N: its share of the output shards. */
export async function reshardShard(options: ReshardOptions & {shard: Shard}): Promise<{shard: string; output_shards: number[]; part: string}> {
  const {resharder, run} = await sharded(options)
  const done = await resharder.shard({...run, shard: options.shard})
  return {shard: `${options.shard.index}/${options.shard.count}`, output_shards: done.outputShards, part: done.part}
}

/** The merge of N tasks' shares into the finished folder; then the folder read back as a local reshard reports it. */
export async function mergeReshardShards(options: ReshardOptions & {count: number}): Promise<ReshardResult & {merged_shards: number}> {
  const started = Date.now()
  const {resharder, run} = await sharded(options)
  await resharder.merge({...run, count: options.count})
  try {
    const result = await reshard({...options, onProgress: undefined})
    return {...result, already_complete: false, resumed_shards: 0, seconds: (Date.now() - started) / 1000, merged_shards: options.count}
  } catch (error) {
    if (error instanceof DcbError && error.code === 'DCB_RESHARD_SUBSET') await discardOutput(run.outDir, true)
    throw error
  }
}
