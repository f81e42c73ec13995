import {DcbError} from '../../errors.js'
import {shellQuote, siteQueueLines} from './script.js'
import type {SlurmSettings} from './site.js'
import type {SlurmSite} from './types.js'

/**
 * The batch script of a job array whose tasks run `bench` itself on the compute nodes (`bench eval
 * --executor slurm`: one array task per shard, docs/slurm.md). A pure function, so the script a job
 * runs is the one `--dry-run --json` prints.
 *
 * Its first step is the node check: Node.js ≥ 20 at the path bench was started with (or
 * DCBENCH_SLURM_NODE), and this dcbench checkout, built, at the same path (a file system the nodes
 * share with the login node). A node without them ends the task at once with one line,
 * `# dcbench: node check failed on NODE: …`, which bench reads back from the task's log.
 */

/** The array tasks run `bench` itself on the nodes, which only the host runtime can: refuses any other, naming the command. */
export function requireHostRuntime(command: string, settings: SlurmSettings): void {
  if (settings.runtime === 'host') return
  throw new DcbError('DCB_NOT_AVAILABLE', `bench ${command} --executor slurm --runtime ${settings.runtime}: only --runtime host runs bench on the nodes in this build (no image holds Node.js and dcbench yet)`)
}

/** The line a failed node check prints (bench looks for it in a failed task's log). */
export const NODE_CHECK_FAILED = '# dcbench: node check failed'

/** The job array, its site options and what each task runs. */
export interface SlurmArrayJob {
  jobName: string
  /** The job's working directory (`--chdir`). */
  workDir: string
  /** SLURM's output file for each task (`%A` the array's job id, `%a` the task id). */
  outputFile: string
  /** Array tasks 1…count (`--array=1-count`). */
  count: number
  cpusPerTask: number
  site: SlurmSite
  /** Node.js on the nodes (an absolute path), and the dcbench checkout (its package root). */
  node: string
  checkout: string
  /** `bench` arguments; `{task}` in one is replaced by the array task id (`$SLURM_ARRAY_TASK_ID`). */
  benchArgs: string[]
}

function siteLines(site: SlurmSite): string[] {
  return [...(site.requeue ? ['--requeue'] : ['--no-requeue']), ...siteQueueLines(site)]
}

/** An argument as bash words: `{task}` expands on the node, everything else is literal. */
function argWords(arg: string): string {
  return arg.split('{task}').map((part) => (part === '' ? '' : shellQuote(part))).join('"$SLURM_ARRAY_TASK_ID"') || "''"
}

/** The whole batch script. Paths go onto #SBATCH lines, which sbatch never quotes: blanks and quotes are refused. */
export function slurmArrayScript(job: SlurmArrayJob): string {
  const bad = [job.workDir, job.outputFile, job.node, job.checkout].find((path) => /[\s'"\\]/.test(path) || path.length > 1000)
  if (bad !== undefined) throw new DcbError('DCB_SLURM_OPTION', `${JSON.stringify(bad.slice(0, 200))}: a path with blanks, quotes or backslashes cannot go onto an #SBATCH line; choose folders without them`)
  const sbatch = [
    `--job-name=${job.jobName}`,
    `--array=1-${job.count}`,
    '--nodes=1',
    '--ntasks=1',
    `--cpus-per-task=${job.cpusPerTask}`,
    `--output=${job.outputFile}`,
    '--open-mode=append',
    `--chdir=${job.workDir}`,
    ...siteLines(job.site),
  ]
  return [
    '#!/bin/bash',
    '# Written by bench --executor slurm: one array task per shard; bench merges the shards when every task is done.',
    ...sbatch.map((line) => `#SBATCH ${line}`),
    'set -uo pipefail',
    '',
    '# the node check: Node.js >= 20 and this dcbench checkout, built, at the login node\'s paths',
    `dcbench_node="\${DCBENCH_SLURM_NODE:-${job.node}}"`,
    `dcbench_checkout=${shellQuote(job.checkout)}`,
    'node_fail() { echo "# dcbench: node check failed on $(hostname -s): $1"; exit 3; }',
    'node_major="$("$dcbench_node" -p \'process.versions.node.split(".")[0]\' 2>/dev/null)" || node_fail "no Node.js at $dcbench_node (bench needs Node.js >= 20 at that path on every node, or DCBENCH_SLURM_NODE)"',
    '[ "$node_major" -ge 20 ] 2>/dev/null || node_fail "Node.js $node_major at $dcbench_node; bench needs Node.js >= 20"',
    '[ -f "$dcbench_checkout/bin/run.js" ] && [ -f "$dcbench_checkout/dist/index.js" ] || node_fail "no built dcbench checkout at $dcbench_checkout (the nodes need it at the login node\'s path, on a shared file system)"',
    'echo "# dcbench: array job ${SLURM_ARRAY_JOB_ID} task ${SLURM_ARRAY_TASK_ID} on $(hostname -s), Node.js $node_major"',
    '',
    `exec "$dcbench_node" "$dcbench_checkout/bin/run.js" ${job.benchArgs.map(argWords).join(' ')}`,
    '',
  ].join('\n')
}
