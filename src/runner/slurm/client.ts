import {execa} from 'execa'

import {DcbError} from '../../errors.js'

/**
 * The SLURM client commands bench uses — `sbatch`, `scontrol`, `sacct`, `scancel` — with their output
 * parsed strictly. They run with the caller's environment (SLURM_CONF included), as a user's own would.
 */

/** A job's state as SLURM names it (`scontrol show job`, else `sacct -c`), with its exit code. */
export interface SlurmJobState {
  jobId: string
  /** PENDING, RUNNING, REQUEUED, COMPLETING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED, … */
  state: string
  /** The job's exit status (the batch script's), and the signal that ended it (0 when none). */
  exitCode: number
  signal: number
  reason: string
  restarts: number
  nodeList: string
}

/** States after which a job does nothing more (a requeued job is PENDING again, not one of these). */
export const FINAL_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'SPECIAL_EXIT'])

const JOB_ID = /^\d{1,12}(_\d{1,9})?$/
const TOOL_TIMEOUT_MS = 60_000

async function slurmTool(tool: string, args: string[]): Promise<{exitCode: number; stdout: string; stderr: string}> {
  const result = await execa(tool, args, {reject: false, timeout: TOOL_TIMEOUT_MS, stdin: 'ignore', maxBuffer: 4 * 1024 * 1024})
  if ((result as {code?: string}).code === 'ENOENT') {
    throw new DcbError('DCB_NO_SLURM', `${tool}: not found on this machine; --executor slurm needs the SLURM client commands (sbatch, scontrol, sacct, scancel)`, {
      suggestions: ['run bench on a login node of the cluster (Debian: apt-get install slurm-client)'],
    })
  }
  return {exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr)}
}

function firstLine(text: string): string {
  return text.trim().split('\n').find((line) => line.trim() !== '')?.trim().slice(0, 300) ?? ''
}

/** Submits a batch script; returns the job id. sbatch's refusal (bad partition, account, limits) is one line. */
export async function sbatch(scriptPath: string, extraArgs: string[] = []): Promise<string> {
  const result = await slurmTool('sbatch', ['--parsable', ...extraArgs, scriptPath])
  const id = result.stdout.trim().split(';')[0] ?? ''
  if (result.exitCode !== 0 || !JOB_ID.test(id)) {
    throw new DcbError('DCB_SLURM_SUBMIT', `sbatch ${scriptPath}: refused the job: ${firstLine(result.stderr) || firstLine(result.stdout) || `exit ${result.exitCode}`}`, {
      suggestions: ['check --partition, --account, --qos, --time and --constraint against the site (sinfo, sacctmgr show assoc)'],
    })
  }
  return id
}

/** Parses `Key=Value` words of `scontrol -o` / jobcomp lines (values have no blanks in the keys we read). */
export function scontrolFields(line: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const word of line.trim().split(/\s+/)) {
    const eq = word.indexOf('=')
    if (eq > 0) map.set(word.slice(0, eq), word.slice(eq + 1))
  }
  return map
}

/** SLURM's `ExitCode` value `code:signal` (0:0 when absent or malformed). */
export function slurmExit(value: string | undefined): {exitCode: number; signal: number} {
  const m = /^(\d+):(\d+)$/.exec(value ?? '')
  return m ? {exitCode: Number(m[1]), signal: Number(m[2])} : {exitCode: 0, signal: 0}
}

/** The job's state, or undefined when SLURM no longer (or never) knew it. */
export async function jobState(jobId: string): Promise<SlurmJobState | undefined> {
  if (!JOB_ID.test(jobId)) throw new DcbError('DCB_SLURM_JOB', `job id ${JSON.stringify(jobId.slice(0, 40))}: not a SLURM job id`)
  const shown = await slurmTool('scontrol', ['show', 'job', '-o', jobId])
  if (shown.exitCode === 0) {
    const f = scontrolFields(shown.stdout.split('\n')[0] ?? '')
    const state = f.get('JobState')
    if (state) return {jobId, state, ...slurmExit(f.get('ExitCode')), reason: f.get('Reason') ?? 'None', restarts: Number(f.get('Restarts') ?? 0) || 0, nodeList: f.get('NodeList') ?? ''}
  }
  // Gone from slurmctld's memory (MinJobAge): the accounting record, or jobcomp's on a cluster without slurmdbd.
  for (const args of [['-n', '-P', '-X', '-j', jobId, '-o', 'jobid,state,exitcode,nodelist'], ['-c', '-n', '-P', '-j', jobId, '-o', 'jobid,state,exitcode,nodelist']]) {
    const acct = await slurmTool('sacct', args)
    if (acct.exitCode !== 0) continue
    const row = acct.stdout.split('\n').map((line) => line.split('|')).find((cols) => cols[0] === jobId)
    if (row) return {jobId, state: (row[1] ?? '').split(' ')[0] as string, ...slurmExit(row[2]), reason: 'None', restarts: 0, nodeList: row[3] ?? ''}
  }
  return undefined
}

/** Cancels a job (SIGTERM to its steps and batch shell, SIGKILL after the site's KillWait). */
export async function scancel(jobId: string, options: {signal?: string; batchOnly?: boolean} = {}): Promise<void> {
  const args = [...(options.signal ? [`--signal=${options.signal}`] : []), ...(options.batchOnly ? ['--batch'] : options.signal ? ['--full'] : []), jobId]
  const result = await slurmTool('scancel', args)
  if (result.exitCode !== 0) throw new DcbError('DCB_SLURM_JOB', `scancel ${jobId}: ${firstLine(result.stderr) || `exit ${result.exitCode}`}`)
}

/** Runs one SLURM client command for the other modules of src/runner/slurm/ (job arrays): its exit code and output. */
export async function runSlurmTool(tool: 'scontrol' | 'sacct' | 'squeue', args: string[]): Promise<{exitCode: number; stdout: string; stderr: string}> {
  return slurmTool(tool, args)
}
