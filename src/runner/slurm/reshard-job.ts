import {mkdirSync} from 'node:fs'
import {basename, join} from 'node:path'

import {DcbError} from '../../errors.js'
import {packageRoot} from '../../util/paths.js'
import {reshard, type ReshardOptions, type ReshardResult} from '../reshard/index.js'
import {runArrayJob, type ArrayCommandOptions} from './array-job.js'
import {slurmArrayScript} from './array-script.js'

/**
 * `bench reshard --executor slurm`: the same `bench reshard` as one SLURM job on one node (an array of
 * one task, so it shares the array script's node check, following and failure lines), writing into OUT
 * itself; then — here — the ordinary reshard on OUT finds it complete and reports what it holds.
 *
 * One task, not many: DCLM's tokenize-shuffle shuffles every context of the subset with one seeded
 * permutation before any shard is cut, so no shard can be written from a part of the pool; DataComp's
 * output shards are cut at global sample counts, and a sharded plan of them is not built yet (docs/slurm.md).
 * The job runs in bench's working directory (`--chdir`), which DataComp's meta.json records as `cwd`,
 * so the folder is byte-identical to a local reshard started there.
 */

export interface ReshardOnSlurmOptions extends ArrayCommandOptions {
  reshard: ReshardOptions
  /** The `bench reshard` arguments the job runs (absolute paths). */
  taskArgs: string[]
}

export interface ReshardSlurmPlan {
  executor: 'slurm'
  tasks: 1
  script_file: string
  sbatch_script: string
}

const LOG = 'reshard-%A_%a.out'
const SCRIPT = 'reshard.sbatch'

/** The script and the logs live beside OUT, not in it: OUT must be new or empty for the reshard. */
function slurmDir(out: string): string {
  return `${out}.slurm`
}

/** The job's script (submits nothing). */
export function planReshardOnSlurm(options: ReshardOnSlurmOptions): ReshardSlurmPlan {
  if (options.settings.runtime !== 'host') throw new DcbError('DCB_NOT_AVAILABLE', `bench reshard --executor slurm --runtime ${options.settings.runtime}: only --runtime host runs bench on the nodes in this build`)
  const out = options.reshard.outDir
  const script = slurmArrayScript({
    jobName: `dcbench-reshard-${basename(out)}`.replaceAll(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100),
    workDir: process.cwd(),
    outputFile: join(slurmDir(out), LOG),
    count: 1,
    cpusPerTask: 1,
    site: options.settings.site,
    node: process.execPath,
    checkout: packageRoot(),
    benchArgs: ['reshard', ...options.taskArgs],
  })
  return {executor: 'slurm', tasks: 1, script_file: join(slurmDir(out), SCRIPT), sbatch_script: script}
}

/** Submits the job, follows it, and reports the finished folder. */
export async function reshardOnSlurm(options: ReshardOnSlurmOptions): Promise<ReshardResult & {plan: ReshardSlurmPlan; jobId: string}> {
  const started = Date.now()
  const plan = planReshardOnSlurm(options)
  const dir = slurmDir(options.reshard.outDir)
  mkdirSync(dir, {recursive: true})
  let submitted: string | undefined
  const {jobId} = await runArrayJob({
    dir,
    scriptName: SCRIPT,
    script: plan.sbatch_script,
    count: 1,
    logOf: (id, task) => LOG.replace('%A', id).replace('%a', String(task)),
    describeTask: () => `bench reshard --benchmark ${options.reshard.benchmark}`,
    onSubmitted: (id) => {
      submitted = id
      options.onArray?.({jobId: id, done: 0, total: 1, running: 0})
    },
    onProgress: (event) => options.onArray?.({jobId: submitted, ...event}),
    signal: options.signal,
    pollMs: options.pollMs,
  })
  // the job wrote the whole folder: the reshard here finds its manifest and only reads it back
  const result = await reshard({...options.reshard, onProgress: undefined})
  return {...result, already_complete: false, seconds: (Date.now() - started) / 1000, plan, jobId}
}
