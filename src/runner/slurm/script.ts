import {DcbError} from '../../errors.js'
import type {SlurmRuntime, SlurmSite} from './types.js'

/** A `--job-name` as squeue shows it plainly: anything but [A-Za-z0-9_.-] becomes `_`, at most 100 characters. */
export function slurmJobName(name: string): string {
  return name.replaceAll(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100)
}

export {SLURM_RUNTIMES, type SlurmRuntime} from './types.js'

/**
 * The batch script of a `bench train --executor slurm` job: a pure function of the trainer's command,
 * environment and mounts, the run's infrastructure split, the site's options and the container runtime
 * (docs/slurm.md). The same function writes the script a job runs and the `sbatch_script` a dry run
 * prints, so the golden tests hold what a cluster would receive.
 *
 * Shape: `#SBATCH` lines (one task per node), then one `srun` that starts one launcher per node — torchrun
 * with a static rendezvous on the first node of `scontrol show hostnames`, on a port the first node picks
 * free — inside the runtime's container. Preemption: `--signal=B:USR1@T` reaches the batch shell, which
 * forwards SIGTERM to the trainers (they checkpoint and exit) and, with `--requeue`, requeues the job; the
 * requeued job resumes from that checkpoint as a local resume does.
 */


/** A bind mount of the container runtimes (the host runtime uses host paths instead). */
export interface SlurmMount {
  host: string
  container: string
  mode: 'ro' | 'rw'
}

/** How each node starts its share of the trainer. */
export type SlurmLaunch =
  /**
   * `python -m LAUNCHER --nnodes … ARGS` on every node: one process per device, ranks node-major, with
   * torchrun's static-rendezvous arguments. LAUNCHER is `torch.distributed.run` (torchrun) or the tiny
   * trainers' own `dcbench_trainers.launch` (same arguments; Debian's torch 1.13 torchrun fails on Python 3.11).
   */
  | {kind: 'torchrun'; python: string; launcher: string; args: string[]}

export interface SlurmTrainJob {
  /** The job's name in squeue (`dcbench-<scale>-<run folder name>`). */
  jobName: string
  /** The run folder as the nodes see it: the job's working directory (host runtime) and its log's folder. */
  runDir: string
  /** The file SLURM appends the job's output to (`%j` is the job id). */
  outputFile: string
  nodes: number
  /** GPUs each node gives the job (`--gpus-per-node`); 0 on CPU nodes. */
  gpusPerNode: number
  /** Trainer processes per node (one per GPU; on CPU nodes the split's devices per node). */
  processesPerNode: number
  /** `--cpus-per-task`: the CPUs of each task (one task per node here: the processes share them). */
  cpusPerNode: number
  launch: SlurmLaunch
  /** The contract's environment (DCBENCH_*, PYTHONPATH …), already in the runtime's paths. */
  env: Record<string, string>
  runtime: SlurmRuntime
  /** pyxis: an enroot squashfs or image reference; apptainer: a .sif file. Unused by `host`. */
  image: string | null
  mounts: SlurmMount[]
  /** The working directory inside the container runtimes (the contract's /out). */
  containerWorkdir: string
  site: SlurmSite
}

/** `'…'` quoting for bash: everything literal. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`
}

/**
 * What every batch script holds around its `srun` line: the `#SBATCH` lines, the environment, the
 * rendezvous and the preemption trap (the official scales' script, src/runner/slurm/official-script.ts,
 * starts one task per GPU instead of one launcher per node).
 */
export type SlurmBatchJob = Omit<SlurmTrainJob, 'launch' | 'processesPerNode' | 'image' | 'containerWorkdir'> & {
  /** `--ntasks-per-node` (default 1: one launcher per node). */
  tasksPerNode?: number
}

function sbatchLines(job: SlurmBatchJob): string[] {
  const {site} = job
  const lines = [
    `--job-name=${job.jobName}`,
    `--nodes=${job.nodes}`,
    `--ntasks-per-node=${job.tasksPerNode ?? 1}`,
    ...(job.gpusPerNode > 0 ? [`--gpus-per-node=${job.gpusPerNode}`] : []),
    `--cpus-per-task=${job.cpusPerNode}`,
    `--output=${job.outputFile}`,
    '--open-mode=append',
    `--chdir=${job.runDir}`,
    ...(site.requeue ? ['--requeue'] : ['--no-requeue']),
    `--signal=${site.signal}`,
    ...siteQueueLines(site),
  ]
  return lines.map((line) => `#SBATCH ${line}`)
}

/** The site's queue options as sbatch words: partition, account, QOS, time, constraint, then its extra arguments. */
export function siteQueueLines(site: SlurmSite): string[] {
  return [
    ...(site.partition ? [`--partition=${site.partition}`] : []),
    ...(site.account ? [`--account=${site.account}`] : []),
    ...(site.qos ? [`--qos=${site.qos}`] : []),
    ...(site.time ? [`--time=${site.time}`] : []),
    ...(site.constraint ? [`--constraint=${site.constraint}`] : []),
    ...site.sbatchArgs,
  ]
}

/** The launcher each node runs, as bash words (the rendezvous variables expand on the node). */
function launcherWords(job: SlurmTrainJob): string {
  const {launch} = job
  const torchrun = [
    shellQuote(launch.python), '-m', shellQuote(launch.launcher),
    `--nnodes=${job.nodes}`, `--nproc_per_node=${job.processesPerNode}`,
    '--node_rank="$SLURM_NODEID"', '--master_addr="$DCBENCH_MASTER_ADDR"', '--master_port="$DCBENCH_MASTER_PORT"',
    ...launch.args.map(shellQuote),
  ]
  return torchrun.join(' ')
}

/** `srun` and the runtime's wrapper around the per-node launcher. */
function srunWords(job: SlurmTrainJob): string {
  const srun = ['srun', '--nodes="$SLURM_JOB_NUM_NODES"', '--ntasks-per-node=1', '--kill-on-bad-exit=1', '--unbuffered']
  const mounts = job.mounts.map((m) => `${m.host}:${m.container}${m.mode === 'ro' ? ':ro' : ''}`).join(',')
  const inner = `bash -c ${shellQuote(`exec ${launcherWords(job)}`)}`
  if (job.runtime === 'pyxis') {
    // [unverified] pyxis is not in Debian; the flags are pyxis's documented ones (docs/slurm.md)
    srun.push(`--container-image=${shellQuote(job.image ?? '')}`, `--container-mounts=${shellQuote(mounts)}`, `--container-workdir=${shellQuote(job.containerWorkdir)}`, '--no-container-mount-home')
    return `${srun.join(' ')} ${inner}`
  }
  if (job.runtime === 'apptainer') {
    // [unverified] Apptainer is not in Debian; --nv gives the node's GPUs, --contain a container without
    // the host's home and /tmp. Not --containall: it also cleans the environment, and the launcher needs
    // the task's SLURM_NODEID, the rendezvous and the contract's DCBENCH_* variables, which pass in as they are
    return `${srun.join(' ')} apptainer exec ${job.gpusPerNode > 0 ? '--nv ' : ''}--contain --bind ${shellQuote(mounts)} --pwd ${shellQuote(job.containerWorkdir)} ${shellQuote(job.image ?? '')} ${inner}`
  }
  return `${srun.join(' ')} ${inner}`
}

/**
 * Paths go onto `#SBATCH` lines, which sbatch splits on blanks without quoting, and into the container
 * runtimes' `SRC:DST[:ro],…` mount lists: refused when they hold what would split them.
 */
function checkPaths(job: SlurmBatchJob): void {
  const paths = [job.runDir, job.outputFile, ...job.mounts.flatMap((m) => [m.host, m.container])]
  const unsafe = job.runtime === 'host' ? /[\s'"\\]/ : /[\s'"\\,:]/
  const bad = paths.find((path) => unsafe.test(path) || path.length > 1000)
  if (bad !== undefined) {
    throw new DcbError('DCB_SLURM_OPTION', `${JSON.stringify(bad.slice(0, 200))}: a path with blanks, quotes or backslashes${job.runtime === 'host' ? '' : ', commas or colons'} cannot go onto an #SBATCH line${job.runtime === 'host' ? '' : ' or a mount list'}; choose a run and data folder without them`)
  }
}

/** The whole batch script. */
export function slurmTrainScript(job: SlurmTrainJob): string {
  return slurmBatchScript(job, srunWords(job))
}

/** A batch script around one `srun` command line (started in the background so the USR1 trap runs). */
export function slurmBatchScript(job: SlurmBatchJob, srun: string): string {
  checkPaths(job)
  const env = Object.entries(job.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return [
    '#!/bin/bash',
    `# Written by bench train --executor slurm (runtime ${job.runtime}); bench rewrites it before each submission.`,
    ...sbatchLines(job),
    'set -uo pipefail',
    '',
    '# the contract\'s environment (docs/containers.md)',
    ...env.map(([name, value]) => `export ${name}=${shellQuote(value)}`),
    '',
    '# rendezvous on the first node, on a port free there (two jobs on one node do not collide)',
    'head_node="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"',
    '# the node\'s address as slurmctld knows it (NodeAddr: the node name when the site sets none)',
    'DCBENCH_MASTER_ADDR="$(scontrol show node -o "$head_node" | tr \' \' \'\\n\' | sed -n \'s/^NodeAddr=//p\')"',
    'DCBENCH_MASTER_ADDR="${DCBENCH_MASTER_ADDR:-$head_node}"',
    'DCBENCH_MASTER_PORT="$(python3 -c \'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])\' 2>/dev/null || echo $((20000 + SLURM_JOB_ID % 20000)))"',
    'export DCBENCH_MASTER_ADDR DCBENCH_MASTER_PORT',
    'echo "# dcbench: job $SLURM_JOB_ID (restart ${SLURM_RESTART_COUNT:-0}) on $SLURM_JOB_NODELIST, rendezvous $DCBENCH_MASTER_ADDR:$DCBENCH_MASTER_PORT"',
    '',
    '# preemption / time limit: USR1 → the trainers checkpoint (SIGTERM) and exit; then requeue',
    'preempted=0',
    '# (SIGTERM to srun itself would make it kill the step at once; scancel signals the tasks)',
    'on_usr1() { preempted=1; echo "# dcbench: job $SLURM_JOB_ID got USR1: checkpointing"; scancel --signal=TERM "$SLURM_JOB_ID.0"; }',
    'trap on_usr1 USR1',
    `${srun} &`,
    'step=$!',
    'while :; do wait "$step"; status=$?; kill -0 "$step" 2>/dev/null || break; done',
    ...(job.site.requeue ? ['if [ "$preempted" = 1 ]; then echo "# dcbench: requeueing job $SLURM_JOB_ID"; scontrol requeue "$SLURM_JOB_ID"; fi'] : []),
    'exit "$status"',
    '',
  ].join('\n')
}
