import {mkdirSync} from 'node:fs'
import {basename, join} from 'node:path'

import type {Benchmark, EvalRunOutcome} from '../../benchmarks/benchmark.js'
import {mergeEvalShards, evalTaskKeys, type ShardableEvalOptions} from '../../eval/sharded-eval.js'
import {defaultDataDir} from '../../hub/cache.js'
import {ensureDirInside} from '../../util/no-follow.js'
import {packageRoot} from '../../util/paths.js'
import {shardPlan, type PlannedShard} from '../../util/shards.js'
import {runCommandArray, type ArrayCommandOptions} from './array-job.js'
import {requireHostRuntime, slurmArrayScript} from './array-script.js'
import {slurmJobName} from './script.js'
import type {ShardArrayPlan} from './shard-plan.js'

/**
 * `bench eval --executor slurm`: a job array with one task per shard of the eval's tasks (each runs
 * `bench eval --shard i/N` on a node, into OUT/eval-shards/), then — on the login node, once every task
 * completed — the merge (`--merge-shards N`), which writes the results file a local eval writes.
 * The script and the tasks' logs are in OUT/slurm/.
 */

export interface EvalOnSlurmOptions extends ArrayCommandOptions {
  benchmark: Benchmark
  eval: ShardableEvalOptions
  /** Array tasks (shards); default one per task of the eval. */
  shards?: number
  /** Only build the script and the plan; submit nothing. */
  dryRun?: boolean
}

/** What a dry run prints, and a real run returns beside the merged eval. */
export type EvalSlurmPlan = ShardArrayPlan<PlannedShard<'tasks', string>>

/** The folder of the array's script and logs, under the eval's --out. */
export const EVAL_SLURM_DIR = 'slurm'
const LOG = 'eval-%A_%a.out'

/** The `bench eval` arguments of every array task (the shard's `i` is the array task id). */
function shardArgs(options: EvalOnSlurmOptions, count: number): string[] {
  const o = options.eval
  return [
    'eval', '--benchmark', options.benchmark.id, '--scale', o.scale.scale, '--model', o.modelDir,
    '--data', o.dataDir ?? defaultDataDir(), '--out', o.outDir, '--shard', `{task}/${count}`,
    ...(o.tasks && o.tasks.length > 0 ? ['--tasks', o.tasks.join(',')] : []),
    ...(o.batchSize === undefined ? [] : ['--batch-size', String(o.batchSize)]),
    ...(o.device === undefined ? [] : ['--device', o.device]),
    ...(o.decodeThreads === undefined ? [] : ['--decode-threads', String(o.decodeThreads)]),
    ...(o.batchTokens === undefined ? [] : ['--batch-tokens', String(o.batchTokens)]),
    ...(o.heldoutDir === undefined ? [] : ['--heldout', o.heldoutDir]),
  ]
}

/** The plan and the script of the array. */
export function planEvalOnSlurm(options: EvalOnSlurmOptions): EvalSlurmPlan {
  requireHostRuntime('eval', options.settings)
  const keys = evalTaskKeys(options.benchmark, options.eval)
  const count = options.shards ?? keys.length
  const shards = shardPlan(keys, count, 'task', 'tasks')
  const dir = join(options.eval.outDir, EVAL_SLURM_DIR)
  const script = slurmArrayScript({
    jobName: slurmJobName(`dcbench-eval-${options.benchmark.id}-${basename(options.eval.outDir)}`),
    workDir: options.eval.outDir,
    outputFile: join(dir, LOG),
    count,
    cpusPerTask: options.eval.decodeThreads ?? 1,
    site: options.settings.site,
    node: process.execPath,
    checkout: packageRoot(),
    benchArgs: shardArgs(options, count),
  })
  return {executor: 'slurm', shards, script_file: join(dir, 'eval.sbatch'), sbatch_script: script}
}

/** Submits the array, follows it, and merges the shards into the eval's results file. */
export async function evalOnSlurm(options: EvalOnSlurmOptions): Promise<EvalRunOutcome & {plan: EvalSlurmPlan; jobId: string}> {
  const plan = planEvalOnSlurm(options)
  const count = plan.shards.length
  const dir = join(options.eval.outDir, EVAL_SLURM_DIR)
  mkdirSync(options.eval.outDir, {recursive: true})
  ensureDirInside(options.eval.outDir, EVAL_SLURM_DIR)
  const {jobId} = await runCommandArray(
    {
      dir,
      scriptName: 'eval.sbatch',
      script: plan.sbatch_script,
      count,
      logPattern: LOG,
      describeTask: (task) => `bench eval --shard ${task}/${count}: ${plan.shards[task - 1]?.tasks.join(', ') ?? ''}`,
    },
    options,
  )
  const merged = await mergeEvalShards(options.benchmark, options.eval, count)
  return {...merged, plan, jobId}
}
