import {basename, join} from 'node:path'

import type {ImageShardWork} from '../../benchmarks/benchmark.js'
import {DcbError} from '../../errors.js'
import {MAX_SHARDS} from '../../util/shards.js'
import {packageRoot} from '../../util/paths.js'
import {runCommandArray, type ArrayCommandOptions} from './array-job.js'
import {requireHostRuntime, slurmArrayScript} from './array-script.js'
import {slurmJobName} from './script.js'
import {arrayTasks} from './shard-plan.js'

/**
 * `bench pool download --executor slurm` (DataComp's images): the metadata and the sizes are done on
 * the login node as in a local run; then a job array downloads the image shards, each task running
 * `bench pool download … --skip-metadata --shards a-b --shard i/N` on a node (round-robin over the
 * range's shard ids, so a resumed array gives each task the same shards); when every task completed,
 * the login node sums up every `_stats.json` into download_summary.json. The script and the tasks'
 * logs are in OUT/slurm/.
 */

export interface PoolDownloadOnSlurmOptions extends ArrayCommandOptions {
  /** The pool folder (on a file system the nodes share). */
  out: string
  /** What every task runs: `bench pool download` arguments without `--shards`/`--shard`. */
  taskArgs: string[]
  /** Array tasks; default one per shard of the range, at most 100. */
  tasks?: number
  /** CPUs per task (default 2: one for the event loop, one for the image codecs' threads). */
  cpusPerTask?: number
  /** Only build the plan and the script; submit nothing. */
  dryRun?: boolean
  /** Receives the plan before anything is submitted (and is all a dry run does). */
  onPlan?: (plan: PoolDownloadSlurmPlan) => void
}

export interface PoolDownloadSlurmPlan {
  executor: 'slurm'
  /** The range of image shards the array covers, and how many of them are not done yet. */
  shards: ImageShardWork
  tasks: number
  script_file: string
  sbatch_script: string
}

/** The folder of the array's script and logs, in the pool folder. */
export const POOL_DOWNLOAD_SLURM_DIR = 'slurm'
const LOG = 'pool-download-%A_%a.out'
const SCRIPT = 'pool-download.sbatch'
const DEFAULT_CPUS_PER_TASK = 2

/** The plan and the script of the array for a range of shards. */
export function planPoolDownloadOnSlurm(work: ImageShardWork, options: PoolDownloadOnSlurmOptions): PoolDownloadSlurmPlan {
  requireHostRuntime('pool download', options.settings)
  const shards = work.last - work.first + 1
  const tasks = arrayTasks(shards, options.tasks)
  if (tasks > shards || tasks > MAX_SHARDS) {
    throw new DcbError('DCB_USAGE', `--tasks ${tasks}: the download covers ${shards} image shard(s) (${work.first}-${work.last}); use at most ${Math.min(shards, MAX_SHARDS)} array tasks`)
  }
  const script = slurmArrayScript({
    jobName: slurmJobName(`dcbench-pool-download-${basename(options.out)}`),
    workDir: options.out,
    outputFile: join(options.out, POOL_DOWNLOAD_SLURM_DIR, LOG),
    count: tasks,
    cpusPerTask: options.cpusPerTask ?? DEFAULT_CPUS_PER_TASK,
    site: options.settings.site,
    node: process.execPath,
    checkout: packageRoot(),
    benchArgs: [...options.taskArgs, '--shards', `${work.first}-${work.last}`, '--shard', `{task}/${tasks}`],
  })
  return {executor: 'slurm', shards: work, tasks, script_file: join(options.out, POOL_DOWNLOAD_SLURM_DIR, SCRIPT), sbatch_script: script}
}

/**
 * The `shardRunner` of a pool download on SLURM: plans the array, and (unless a dry run, or every
 * shard is done already) submits it and follows it until every task completed. Returns whether the
 * shards are now downloaded, as `PoolDownloadOptions.shardRunner` does.
 */
export function slurmShardRunner(options: PoolDownloadOnSlurmOptions): (work: ImageShardWork) => Promise<boolean> {
  return async (work) => {
    const plan = planPoolDownloadOnSlurm(work, options)
    options.onPlan?.(plan)
    if (options.dryRun) return false
    if (work.todo === 0) return true
    await runCommandArray(
      {
        dir: join(options.out, POOL_DOWNLOAD_SLURM_DIR),
        scriptName: SCRIPT,
        script: plan.sbatch_script,
        count: plan.tasks,
        logPattern: LOG,
        describeTask: (task) => `bench pool download --shards ${work.first}-${work.last} --shard ${task}/${plan.tasks}`,
      },
      options,
    )
    return true
  }
}
