import {basename, dirname, join} from 'node:path'

import {getBenchmark} from '../../benchmarks/registry.js'
import {DcbError} from '../../errors.js'
import {mergeFilterShards, type MergeFilterShardsOptions} from '../../filters/shards.js'
import type {ApplyFilterResult} from '../../filters/apply.js'
import {shardPlan} from '../../util/shards.js'
import {packageRoot} from '../../util/paths.js'
import type {ArrayCommandOptions} from './array-job.js'
import {requireHostRuntime, slurmArrayScript} from './array-script.js'
import {slurmJobName} from './script.js'
import {arrayTasks, runFileShardsArray, slurmDirBeside, type FileShardsPlan} from './shard-plan.js'

/**
 * `bench filter --executor slurm`: a job array with one task per shard of the pool's files (each runs
 * `bench filter … --shard i/N` on a node, into OUT.shards/), then — here, once every task completed —
 * the merge (`--merge-shards N`) into OUT, byte-identical to a local `bench filter`. The script and the
 * tasks' logs are in OUT.slurm/. Filters that need the whole pool are refused before this (src/filters/shards.ts).
 */

export interface FilterOnSlurmOptions extends ArrayCommandOptions {
  /** The merge's options (benchmark, pool, out, the run key, --size/--fraction). */
  merge: Omit<MergeFilterShardsOptions, 'count'>
  /**
   * The `bench filter` arguments every task runs, without `--shard` (absolute paths: the tasks run in
   * OUT's folder on another machine).
   */
  taskArgs: string[]
  /** Array tasks (shards); default one per pool file, at most 100. */
  shards?: number
}

const LOG = 'filter-%A_%a.out'
const SCRIPT = 'filter.sbatch'

/** The plan and the script of the array (lists the pool's files; submits nothing). */
export async function planFilterOnSlurm(options: FilterOnSlurmOptions): Promise<FileShardsPlan> {
  requireHostRuntime('filter', options.settings)
  const {benchmark, pool, out} = options.merge
  const spec = getBenchmark(benchmark).filter
  if (!spec) throw new DcbError('DCB_FILTER_USAGE', `benchmark '${benchmark}' has no pool records to filter`)
  const files = await spec.poolFiles(pool)
  const count = arrayTasks(files.length, options.shards)
  const shards = shardPlan(files, count, 'pool file', 'files')
  const script = slurmArrayScript({
    jobName: slurmJobName(`dcbench-filter-${basename(out)}`),
    workDir: dirname(out),
    outputFile: join(slurmDirBeside(out), LOG),
    count,
    cpusPerTask: 1,
    site: options.settings.site,
    node: process.execPath,
    checkout: packageRoot(),
    benchArgs: ['filter', ...options.taskArgs, '--shard', `{task}/${count}`],
  })
  return {executor: 'slurm', shards, script_file: join(slurmDirBeside(out), SCRIPT), sbatch_script: script}
}

/** Submits the array, follows it, and merges the parts into OUT. */
export async function filterOnSlurm(options: FilterOnSlurmOptions): Promise<ApplyFilterResult & {plan: FileShardsPlan; jobId: string; merged_shards: number}> {
  const plan = await planFilterOnSlurm(options)
  const {jobId} = await runFileShardsArray(plan, {command: 'filter', out: options.merge.out, scriptName: SCRIPT, logPattern: LOG}, options)
  const merged = await mergeFilterShards({...options.merge, count: plan.shards.length})
  return {...merged, plan, jobId}
}
