import {join} from 'node:path'

import {DcbError} from '../../errors.js'
import type {InfraPlan} from '../../tracks/infra.js'
import {CONTAINER_DATA, CONTAINER_OUT} from '../executors/types.js'
import {officialImageWorkdir} from '../official-image.js'
import {shellQuote, slurmBatchScript, type SlurmBatchJob, type SlurmMount} from './script.js'
import type {SlurmSettings} from './site.js'
import {JOB_OUTPUT, jobNameOf} from './train-job.js'

/**
 * The batch script of an official scale (docs/slurm.md, "Official scales") [unverified: no GPU, pyxis or
 * Apptainer here; the scripts are golden-tested and their argument lists run through bash]. It launches
 * upstream's trainer as upstream's own SLURM scripts do (DataComp's slurm_train.sh, open_lm's sbatch
 * examples): `srun` starts one task per GPU (`--ntasks-per-node` = GPUs per node), each
 * `python -m training.main` / `python -m open_lm.main` with the scale's exact `upstream_args` — the same
 * list, and so the same per-GPU batch split, that `bench train --dry-run` shows and the Docker path runs.
 *
 * Rendezvous: open_clip's and open_lm's `init_distributed_device` take their "DDP via SLURM" branch when
 * `SLURM_PROCID` is set, read the ranks through `world_info_from_env` (LOCAL_RANK before SLURM_LOCALID,
 * RANK before PMI_RANK/SLURM_PROCID, WORLD_SIZE before PMI_SIZE/SLURM_NTASKS) and join with
 * `init_process_group(init_method='env://')`, i.e. MASTER_ADDR and MASTER_PORT. Each task sets RANK,
 * LOCAL_RANK and WORLD_SIZE from SLURM_PROCID, SLURM_LOCALID and SLURM_NTASKS itself, so a PMI or MPI
 * variable of the site cannot take precedence; MASTER_ADDR is the first node of SLURM_JOB_NODELIST.
 *
 * Preemption: upstream checkpoints only when a pseudo-epoch ends (and not on a signal), so on USR1 the
 * batch shell stops the step and, with `--requeue`, requeues the job; `--resume latest` (in every
 * official argument list) restarts from the last epoch checkpoint, as a local resume does.
 */

/** The python of the official GPU images (their ENTRYPOINT's). */
export const OFFICIAL_PYTHON = 'python'

/** The SLURM runtimes that can run an official scale: its pinned upstream lives in the official image. */
export const OFFICIAL_RUNTIMES = ['pyxis', 'apptainer'] as const

/** CPUs a task gets besides its data loader workers (DataComp's slurm_train.sh: `--workers 4`, 6 CPUs per task). */
const CPUS_BESIDES_WORKERS = 2

export interface OfficialSlurmInputs {
  scale: string
  /** The official image (`clip`, `lm`) and the module upstream runs in it. */
  image: string
  entryPoint: string
  /** The scale's exact argument list (`upstream_args`), in the contract's paths (/data, /out). */
  upstreamArgs: string[]
  infra: InfraPlan
  /** `--threads`: CPUs per node for the job (default: the argument list's `--workers` + 2 per GPU). */
  threads?: number
  settings: SlurmSettings
  dataDir: string
  runDir: string
}

/** `--cpus-per-task`: the node's CPUs split over its GPUs' tasks, or the data loader workers + 2. */
export function officialCpusPerTask(inputs: Pick<OfficialSlurmInputs, 'threads' | 'infra' | 'upstreamArgs'>): number {
  if (inputs.threads !== undefined) return Math.max(1, Math.floor(inputs.threads / inputs.infra.gpus_per_node))
  const at = inputs.upstreamArgs.indexOf('--workers')
  const workers = at >= 0 ? Number(inputs.upstreamArgs[at + 1]) : 1
  return (Number.isInteger(workers) && workers >= 0 ? workers : 1) + CPUS_BESIDES_WORKERS
}

function refuseRuntime(inputs: OfficialSlurmInputs): void {
  const {runtime} = inputs.settings
  if ((OFFICIAL_RUNTIMES as readonly string[]).includes(runtime)) return
  throw new DcbError('DCB_SLURM_OPTION', `--runtime ${runtime}: the ${inputs.scale} scale runs upstream's pinned trainer in the official ${inputs.image} image, whose argument list uses the contract's /data and /out; choose --runtime ${OFFICIAL_RUNTIMES.join(' or ')} with --slurm-image`, {
    suggestions: [`make the image from the official GPU image (containers/official/build.sh ${inputs.image} gpu): enroot import dockerd://TAG, or apptainer build ${inputs.image}.sif docker-daemon://TAG`],
  })
}

/** Each task's ranks from SLURM's variables (see the module comment), as `NAME="$SLURM_…"` words. */
const TASK_RANKS: [string, string][] = [
  ['RANK', '$SLURM_PROCID'],
  ['LOCAL_RANK', '$SLURM_LOCALID'],
  ['WORLD_SIZE', '$SLURM_NTASKS'],
  ['MASTER_ADDR', '$DCBENCH_MASTER_ADDR'],
  ['MASTER_PORT', '$DCBENCH_MASTER_PORT'],
]

function srunLine(inputs: OfficialSlurmInputs, mounts: SlurmMount[], tasksPerNode: number, cpusPerTask: number): string {
  const {settings} = inputs
  const image = settings.image ?? ''
  const workdir = officialImageWorkdir(inputs.image)
  const trainer = [OFFICIAL_PYTHON, '-m', inputs.entryPoint, ...inputs.upstreamArgs].map(shellQuote).join(' ')
  const mountList = mounts.map((m) => `${m.host}:${m.container}${m.mode === 'ro' ? ':ro' : ''}`).join(',')
  const srun = ['srun', '--nodes="$SLURM_JOB_NUM_NODES"', `--ntasks-per-node=${tasksPerNode}`, `--cpus-per-task=${cpusPerTask}`, '--kill-on-bad-exit=1', '--unbuffered']
  if (settings.runtime === 'pyxis') {
    // [unverified] pyxis passes the task's environment into the container, so the ranks are set inside it
    const ranks = TASK_RANKS.map(([name, from]) => `${name}="${from}"`).join(' ')
    srun.push(`--container-image=${shellQuote(image)}`, `--container-mounts=${shellQuote(mountList)}`, `--container-workdir=${shellQuote(workdir)}`, '--no-container-mount-home')
    return `${srun.join(' ')} bash -c ${shellQuote(`export ${ranks}; exec ${trainer}`)}`
  }
  // [unverified] apptainer --containall starts from a clean environment; APPTAINERENV_X becomes X inside
  const ranks = TASK_RANKS.map(([name, from]) => `APPTAINERENV_${name}="${from}"`).join(' ')
  const exec = `apptainer exec --nv --containall --bind ${shellQuote(mountList)} --pwd ${shellQuote(workdir)} ${shellQuote(image)} ${trainer}`
  return `${srun.join(' ')} bash -c ${shellQuote(`export ${ranks}; exec ${exec}`)}`
}

/** The whole batch script of an official scale's training job. */
export function officialSlurmScript(inputs: OfficialSlurmInputs): string {
  refuseRuntime(inputs)
  const {infra, settings} = inputs
  const tasksPerNode = infra.gpus_per_node
  const cpusPerTask = officialCpusPerTask(inputs)
  const mounts: SlurmMount[] = [{host: inputs.dataDir, container: CONTAINER_DATA, mode: 'ro'}, {host: inputs.runDir, container: CONTAINER_OUT, mode: 'rw'}]
  // torchrun (the Docker path's launcher) sets OMP_NUM_THREADS=1 for several processes per node
  const base = {PYTHONUNBUFFERED: '1', OMP_NUM_THREADS: '1'}
  const env = settings.runtime === 'apptainer' ? Object.fromEntries(Object.entries(base).map(([name, value]) => [`APPTAINERENV_${name}`, value])) : base
  const job: SlurmBatchJob = {
    jobName: jobNameOf(inputs.scale, inputs.runDir),
    runDir: inputs.runDir,
    outputFile: join(inputs.runDir, JOB_OUTPUT),
    nodes: infra.nodes,
    tasksPerNode,
    gpusPerNode: infra.gpus_per_node,
    cpusPerNode: cpusPerTask,
    env,
    runtime: settings.runtime,
    mounts,
    site: settings.site,
  }
  const note = '# upstream checkpoints only when a pseudo-epoch ends: a stopped or requeued job restarts from the last one (--resume latest)'
  return slurmBatchScript(job, `${note}\n${srunLine(inputs, mounts, tasksPerNode, cpusPerTask)}`)
}

/**
 * A real `--executor slurm` submission at an official scale is refused: the script runs upstream's
 * trainer alone, while the official images' wrapper (containers/official/dcbench_official: metrics.jsonl,
 * the model export, final.json) runs on one node only, so a job would train but never pass bench's
 * output checks. The dry run's script is for a site to submit with sbatch itself.
 */
export function officialSubmissionRefused(recipe: {benchmark: string; scale: string}): DcbError {
  return new DcbError('DCB_NOT_AVAILABLE', `--executor slurm submits only the tiny scale so far: ${recipe.benchmark} ${recipe.scale}'s multi-node job runs upstream's trainer without the official wrapper's metrics, model export and final.json, so bench could not check or record it`, {
    suggestions: [
      `bench train … --executor slurm --runtime pyxis|apptainer --slurm-image IMAGE --dry-run --json prints its batch script (sbatch_script) for sbatch`,
      `on one node: --executor docker --gpus N (docs/official.md)`,
    ],
  })
}
