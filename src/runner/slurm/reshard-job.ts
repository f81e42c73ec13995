import {basename, join} from 'node:path'

import {packageRoot} from '../../util/paths.js'
import {getBenchmark} from '../../benchmarks/registry.js'
import {completeReshard, reshard, type ReshardOptions, type ReshardResult} from '../reshard/index.js'
import {canShardReshard, mergeReshardShards, planReshardShards} from '../reshard/shards.js'
import {runCommandArray, type ArrayCommandOptions} from './array-job.js'
import {requireHostRuntime, slurmArrayScript} from './array-script.js'
import {slurmJobName} from './script.js'
import {arrayTasks, slurmDirBeside} from './shard-plan.js'

/**
 * `bench reshard --executor slurm`. Where the benchmark's resharder has a sharded form (DataComp): the
 * plan here (which pool sample starts each output shard), a job array whose task i writes its range
 * of output shards (`bench reshard --shard i/N`), and the merge here; otherwise (DCLM) the same
 * `bench reshard` as one job on one node (an array of one task). Either way bench then reads the
 * finished folder back as a local reshard reports it.
 *
 * DCLM runs as one task: tokenize-shuffle shuffles every context of the subset with one seeded
 * permutation before any shard is written, so no shard can be written from a part of the pool
 * (docs/slurm.md). The job runs in bench's working directory (`--chdir`), which DataComp's meta.json
 * records as `cwd`, so the folder is byte-identical to a local reshard started there.
 */

export interface ReshardOnSlurmOptions extends ArrayCommandOptions {
  reshard: ReshardOptions
  /** The `bench reshard` arguments the job runs (absolute paths), without `--shard`. */
  taskArgs: string[]
  /** Array tasks where the resharder shards (default one per pool file, at most 100); 1 otherwise. */
  shards?: number
}

export interface ReshardSlurmPlan {
  executor: 'slurm'
  /** Array tasks; above 1, each writes a range of output shards (`--shard i/N`). */
  tasks: number
  script_file: string
  sbatch_script: string
}

const LOG = 'reshard-%A_%a.out'
const SCRIPT = 'reshard.sbatch'

/** The job's script (submits nothing). */
export async function planReshardOnSlurm(options: ReshardOnSlurmOptions): Promise<ReshardSlurmPlan> {
  requireHostRuntime('reshard', options.settings)
  const out = options.reshard.outDir
  const sharded = await canShardReshard(options.reshard)
  // more than one task for a resharder without a sharded form: refused (DCB_NOT_AVAILABLE) before anything is written
  if (!sharded && options.shards !== undefined && options.shards > 1) await planReshardShards(options.reshard)
  const count = sharded ? arrayTasks((await listPoolFiles(options.reshard)).length, options.shards) : 1
  const script = slurmArrayScript({
    jobName: slurmJobName(`dcbench-reshard-${basename(out)}`),
    workDir: process.cwd(),
    outputFile: join(slurmDirBeside(out), LOG),
    count,
    cpusPerTask: 1,
    site: options.settings.site,
    node: process.execPath,
    checkout: packageRoot(),
    benchArgs: ['reshard', ...options.taskArgs, ...(sharded ? ['--shard', `{task}/${count}`] : [])],
  })
  return {executor: 'slurm', tasks: count, script_file: join(slurmDirBeside(out), SCRIPT), sbatch_script: script}
}

/**
 * Plans (sharded), submits the job, follows it, merges (sharded) and reports the finished folder. An
 * OUT that already holds this subset's finished training data — found by the local reshard's own check
 * — is reported as a local reshard reports it, and nothing is submitted or written (`jobId` null).
 */
export async function reshardOnSlurm(options: ReshardOnSlurmOptions): Promise<ReshardResult & {plan: ReshardSlurmPlan; jobId: string | null}> {
  const started = Date.now()
  const plan = await planReshardOnSlurm(options)
  const complete = await completeReshard(options.reshard)
  if (complete) return {...complete, plan, jobId: null}
  const sharded = await canShardReshard(options.reshard)
  // the tasks read the plan from OUT: it is written before the array is submitted
  if (sharded) await planReshardShards({...options.reshard, onProgress: undefined})
  const {jobId} = await runCommandArray(
    {
      dir: slurmDirBeside(options.reshard.outDir),
      scriptName: SCRIPT,
      script: plan.sbatch_script,
      count: plan.tasks,
      logPattern: LOG,
      describeTask: (task) => `bench reshard --benchmark ${options.reshard.benchmark}${sharded ? ` --shard ${task}/${plan.tasks}` : ''}`,
    },
    options,
  )
  // sharded: the merge writes the closing files and reads the folder back; one task: the job wrote it all
  const result = sharded ? await mergeReshardShards({...options.reshard, onProgress: undefined, count: plan.tasks}) : await reshard({...options.reshard, onProgress: undefined})
  return {...result, already_complete: false, seconds: (Date.now() - started) / 1000, plan, jobId}
}

async function listPoolFiles(options: ReshardOptions): Promise<string[]> {
  const spec = getBenchmark(options.benchmark).filter
  return spec ? spec.poolFiles(options.poolDir) : []
}
