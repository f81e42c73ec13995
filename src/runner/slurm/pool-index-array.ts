import {mkdirSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import {mergePoolIndexShards} from '../../pool/index-shards.js'
import {resolvePoolSources, type IndexPoolOptions, type IndexPoolResult} from '../../pool/index-pool.js'
import {shardItems} from '../../util/shards.js'
import {packageRoot} from '../../util/paths.js'
import {runCommandArray, type ArrayCommandOptions} from './array-job.js'
import {requireHostRuntime, slurmArrayScript} from './array-script.js'
import {slurmJobName} from './script.js'

/**
 * `bench pool index --executor slurm`: a job array with one task per shard of the pool's files (each
 * runs `bench pool index --shard i/N` on a node, into OUT.shards/), then — here, once every task
 * completed — the merge (`--merge-shards N`) into OUT, byte-identical to a local index. The script and
 * the tasks' logs are in OUT.slurm/.
 */

export interface PoolIndexOnSlurmOptions extends ArrayCommandOptions {
  index: IndexPoolOptions
  /** Array tasks (shards); default one per pool file, at most 100. */
  shards?: number
}

export interface PoolIndexSlurmPlan {
  executor: 'slurm'
  shards: {shard: string; files: string[]}[]
  script_file: string
  sbatch_script: string
}

const LOG = 'pool-index-%A_%a.out'
const DEFAULT_MAX_SHARDS = 100

function slurmDir(out: string): string {
  return `${out}.slurm`
}

/** The plan and the script of the array (resolves the pool's files; submits nothing). */
export async function planPoolIndexOnSlurm(options: PoolIndexOnSlurmOptions): Promise<PoolIndexSlurmPlan> {
  requireHostRuntime('pool index', options.settings)
  const sources = await resolvePoolSources(options.index.inputs)
  const count = options.shards ?? Math.min(sources.length, DEFAULT_MAX_SHARDS)
  const shards = Array.from({length: count}, (_, i) => ({shard: `${i + 1}/${count}`, files: shardItems(sources, {index: i + 1, count}, 'pool file').map((s) => s.file)}))
  const o = options.index
  const script = slurmArrayScript({
    jobName: slurmJobName(`dcbench-pool-index-${basename(o.out)}`),
    workDir: dirname(o.out),
    outputFile: join(slurmDir(o.out), LOG),
    count,
    cpusPerTask: 1,
    site: options.settings.site,
    node: process.execPath,
    checkout: packageRoot(),
    benchArgs: [
      'pool', 'index', ...o.inputs, '--out', o.out, '--shard', `{task}/${count}`,
      ...(o.memoryBytes === undefined ? [] : ['--memory', String(o.memoryBytes)]),
      ...(o.tmpDir === undefined ? [] : ['--tmp-dir', o.tmpDir]),
    ],
  })
  return {executor: 'slurm', shards, script_file: join(slurmDir(o.out), 'pool-index.sbatch'), sbatch_script: script}
}

/** Submits the array, follows it, and merges the parts into OUT. */
export async function poolIndexOnSlurm(options: PoolIndexOnSlurmOptions): Promise<IndexPoolResult & {plan: PoolIndexSlurmPlan; jobId: string; merged_shards: number}> {
  const plan = await planPoolIndexOnSlurm(options)
  const count = plan.shards.length
  const dir = slurmDir(options.index.out)
  mkdirSync(dir, {recursive: true})
  const {jobId} = await runCommandArray(
    {
      dir,
      scriptName: 'pool-index.sbatch',
      script: plan.sbatch_script,
      count,
      logPattern: LOG,
      describeTask: (task) => `bench pool index --shard ${task}/${count}: ${plan.shards[task - 1]?.files.length ?? 0} file(s)`,
    },
    options,
  )
  const merged = await mergePoolIndexShards({...options.index, count})
  return {...merged, plan, jobId}
}
