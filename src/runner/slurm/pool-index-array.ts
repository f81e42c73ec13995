import {basename, dirname, join} from 'node:path'

import {mergePoolIndexShards} from '../../pool/index-shards.js'
import {resolvePoolSources, type IndexPoolOptions, type IndexPoolResult} from '../../pool/index-pool.js'
import {shardPlan} from '../../util/shards.js'
import {packageRoot} from '../../util/paths.js'
import type {ArrayCommandOptions} from './array-job.js'
import {requireHostRuntime, slurmArrayScript} from './array-script.js'
import {slurmJobName} from './script.js'
import {arrayTasks, runFileShardsArray, slurmDirBeside, type FileShardsPlan} from './shard-plan.js'

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

const LOG = 'pool-index-%A_%a.out'
const SCRIPT = 'pool-index.sbatch'

/** The plan and the script of the array (resolves the pool's files; submits nothing). */
export async function planPoolIndexOnSlurm(options: PoolIndexOnSlurmOptions): Promise<FileShardsPlan> {
  requireHostRuntime('pool index', options.settings)
  const files = (await resolvePoolSources(options.index.inputs)).map((s) => s.file)
  const count = arrayTasks(files.length, options.shards)
  const shards = shardPlan(files, count, 'pool file', 'files')
  const o = options.index
  const script = slurmArrayScript({
    jobName: slurmJobName(`dcbench-pool-index-${basename(o.out)}`),
    workDir: dirname(o.out),
    outputFile: join(slurmDirBeside(o.out), LOG),
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
  return {executor: 'slurm', shards, script_file: join(slurmDirBeside(o.out), SCRIPT), sbatch_script: script}
}

/** Submits the array, follows it, and merges the parts into OUT. */
export async function poolIndexOnSlurm(options: PoolIndexOnSlurmOptions): Promise<IndexPoolResult & {plan: FileShardsPlan; jobId: string; merged_shards: number}> {
  const plan = await planPoolIndexOnSlurm(options)
  const {jobId} = await runFileShardsArray(plan, {command: 'pool index', out: options.index.out, scriptName: SCRIPT, logPattern: LOG}, options)
  const merged = await mergePoolIndexShards({...options.index, count: plan.shards.length})
  return {...merged, plan, jobId}
}
