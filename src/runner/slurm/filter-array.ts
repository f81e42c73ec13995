import {mkdirSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import {getBenchmark} from '../../benchmarks/registry.js'
import {DcbError} from '../../errors.js'
import {mergeFilterShards, type MergeFilterShardsOptions} from '../../filters/shards.js'
import type {ApplyFilterResult} from '../../filters/apply.js'
import {shardItems} from '../../util/shards.js'
import {packageRoot} from '../../util/paths.js'
import {runCommandArray, type ArrayCommandOptions} from './array-job.js'
import {requireHostRuntime, slurmArrayScript} from './array-script.js'
import {slurmJobName} from './script.js'

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

export interface FilterSlurmPlan {
  executor: 'slurm'
  shards: {shard: string; files: string[]}[]
  script_file: string
  sbatch_script: string
}

const LOG = 'filter-%A_%a.out'
const SCRIPT = 'filter.sbatch'
const DEFAULT_MAX_SHARDS = 100

function slurmDir(out: string): string {
  return `${out}.slurm`
}

/** The plan and the script of the array (lists the pool's files; submits nothing). */
export async function planFilterOnSlurm(options: FilterOnSlurmOptions): Promise<FilterSlurmPlan> {
  requireHostRuntime('filter', options.settings)
  const {benchmark, pool, out} = options.merge
  const spec = getBenchmark(benchmark).filter
  if (!spec) throw new DcbError('DCB_FILTER_USAGE', `benchmark '${benchmark}' has no pool records to filter`)
  const files = await spec.poolFiles(pool)
  const count = options.shards ?? Math.min(files.length, DEFAULT_MAX_SHARDS)
  const shards = Array.from({length: count}, (_, i) => ({shard: `${i + 1}/${count}`, files: shardItems(files, {index: i + 1, count}, 'pool file')}))
  const script = slurmArrayScript({
    jobName: slurmJobName(`dcbench-filter-${basename(out)}`),
    workDir: dirname(out),
    outputFile: join(slurmDir(out), LOG),
    count,
    cpusPerTask: 1,
    site: options.settings.site,
    node: process.execPath,
    checkout: packageRoot(),
    benchArgs: ['filter', ...options.taskArgs, '--shard', `{task}/${count}`],
  })
  return {executor: 'slurm', shards, script_file: join(slurmDir(out), SCRIPT), sbatch_script: script}
}

/** Submits the array, follows it, and merges the parts into OUT. */
export async function filterOnSlurm(options: FilterOnSlurmOptions): Promise<ApplyFilterResult & {plan: FilterSlurmPlan; jobId: string; merged_shards: number}> {
  const plan = await planFilterOnSlurm(options)
  const count = plan.shards.length
  const dir = slurmDir(options.merge.out)
  mkdirSync(dir, {recursive: true})
  const {jobId} = await runCommandArray(
    {
      dir,
      scriptName: SCRIPT,
      script: plan.sbatch_script,
      count,
      logPattern: LOG,
      describeTask: (task) => `bench filter --shard ${task}/${count}: ${plan.shards[task - 1]?.files.length ?? 0} file(s)`,
    },
    options,
  )
  const merged = await mergeFilterShards({...options.merge, count})
  return {...merged, plan, jobId}
}
