import {basename, join} from 'node:path'

import type {InfraPlan} from '../../tracks/infra.js'
import {CONTAINER_DATA, CONTAINER_OUT} from '../executors/types.js'
import type {SlurmSettings} from './site.js'
import {slurmJobName, slurmTrainScript, type SlurmTrainJob} from './script.js'

/**
 * The SLURM job of one `bench train` attempt: the run's split and the contract's environment
 * (docs/containers.md) in the paths the runtime sees — host paths for `host` (the nodes share the file
 * system), /data and /out for the container runtimes.
 */
export interface TrainJobInputs {
  /** From run.json: the scale, the split, GPUs per node and CPUs per node. */
  manifest: {scale: string; infra: InfraPlan; gpus: number; threads: number}
  settings: SlurmSettings
  /** The trainer's python and the folder of `dcbench_trainers`, as the nodes (or the image) see them. */
  python: string
  trainersDir: string
  /** The trainer command (`python3 -m dcbench_trainers`): its words after the interpreter go to torchrun. */
  command: string[]
  dataDir: string
  runDir: string
  maxSteps?: number
}

/** SLURM appends the job's output here (relative to RUN); `%j` is the job id. */
export const JOB_OUTPUT = 'logs/slurm-%j.out'

export function outputFileOf(jobId: string): string {
  return JOB_OUTPUT.replace('%j', jobId)
}

/** The job's name in squeue: `dcbench-<scale>-<run folder name>`, in the characters SLURM shows plainly. */
export function jobNameOf(scale: string, runDir: string): string {
  return slurmJobName(`dcbench-${scale}-${basename(runDir)}`)
}

export function trainJob(inputs: TrainJobInputs): SlurmTrainJob {
  const {manifest, settings} = inputs
  const processesPerNode = manifest.infra.gpus_per_node
  const inContainer = settings.runtime !== 'host'
  const data = inContainer ? CONTAINER_DATA : inputs.dataDir
  const out = inContainer ? CONTAINER_OUT : inputs.runDir
  const env: Record<string, string> = {
    DCBENCH_DATA: data,
    DCBENCH_OUT: out,
    DCBENCH_RECIPE: `${out}/recipe.json`,
    DCBENCH_THREADS: String(Math.max(1, Math.floor(manifest.threads / processesPerNode))),
    DCBENCH_GPUS: String(manifest.gpus),
    PYTHONPATH: inputs.trainersDir,
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    ...(inputs.maxSteps === undefined ? {} : {DCBENCH_MAX_STEPS: String(inputs.maxSteps)}),
  }
  return {
    jobName: jobNameOf(manifest.scale, inputs.runDir),
    runDir: inputs.runDir,
    outputFile: join(inputs.runDir, JOB_OUTPUT),
    nodes: manifest.infra.nodes,
    gpusPerNode: manifest.gpus,
    processesPerNode,
    cpusPerNode: manifest.threads,
    launch: {kind: 'torchrun', python: inputs.python, launcher: 'dcbench_trainers.launch', args: inputs.command.slice(1)},
    env,
    runtime: settings.runtime,
    image: settings.image ?? null,
    mounts: [{host: inputs.dataDir, container: CONTAINER_DATA, mode: 'ro'}, {host: inputs.runDir, container: CONTAINER_OUT, mode: 'rw'}],
    containerWorkdir: CONTAINER_OUT,
    site: settings.site,
  }
}

/** The batch script of that job. */
export function trainScript(inputs: TrainJobInputs): string {
  return slurmTrainScript(trainJob(inputs))
}
