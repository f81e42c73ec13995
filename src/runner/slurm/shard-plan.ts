import type {PlannedShard} from '../../util/shards.js'
import {runCommandArray, type ArrayCommandOptions} from './array-job.js'

/**
 * What the job arrays over shards of a list have in common: the plan `--dry-run --json` prints (and
 * a real run returns), the default number of array tasks, and the folder beside OUT that holds the
 * script and the tasks' logs.
 */

/** The plan of a job array over shards of a list: each shard's `i/N` and items, the script and where it is written. */
export interface ShardArrayPlan<S> {
  executor: 'slurm'
  shards: S[]
  script_file: string
  sbatch_script: string
}

/** An array over shards of a list of files (`bench pool index`, `bench filter --executor slurm`). */
export type FileShardsPlan = ShardArrayPlan<PlannedShard<'files', string>>

/** Array tasks when `--shards`/`--tasks` is not given: one per item (pool file, image shard), at most this many. */
const DEFAULT_MAX_ARRAY_TASKS = 100

/** The array's tasks: those asked for, else one per item, at most `DEFAULT_MAX_ARRAY_TASKS`. */
export function arrayTasks(items: number, asked: number | undefined): number {
  return asked ?? Math.min(items, DEFAULT_MAX_ARRAY_TASKS)
}

/** The folder of the script and the logs of an array writing OUT: beside it (`OUT.slurm/`), as OUT is a file or must be new or empty. */
export function slurmDirBeside(out: string): string {
  return `${out}.slurm`
}

/** What a files plan's array runs besides the plan: the command (for messages), the script's name and the logs' pattern. */
export interface FileShardsArray {
  /** `pool index`, `filter`. */
  command: string
  out: string
  scriptName: string
  logPattern: string
}

/** Submits a files plan's array (its script and logs in `OUT.slurm/`) and follows it until every task completed. */
export async function runFileShardsArray(plan: FileShardsPlan, array: FileShardsArray, options: ArrayCommandOptions): Promise<{jobId: string}> {
  const count = plan.shards.length
  return runCommandArray(
    {
      dir: slurmDirBeside(array.out),
      scriptName: array.scriptName,
      script: plan.sbatch_script,
      count,
      logPattern: array.logPattern,
      describeTask: (task) => `bench ${array.command} --shard ${task}/${count}: ${plan.shards[task - 1]?.files.length ?? 0} file(s)`,
    },
    options,
  )
}
