import {closeSync, constants, fstatSync, mkdirSync, readSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {DcbError} from '../../errors.js'
import {writeFileAtomic} from '../../util/atomic-write.js'
import {openInsideSync} from '../../util/no-follow.js'
import {arrayDone, arrayTaskStates, type ArrayTaskState} from './array-client.js'
import {NODE_CHECK_FAILED} from './array-script.js'
import {sbatch, scancel} from './client.js'
import type {SlurmSettings} from './site.js'

/**
 * Submits a job array (src/runner/slurm/array-script.ts) and follows it until every task is final:
 * progress as tasks finish, Ctrl-C → `scancel` of the whole array. A task that did not complete is one
 * line naming the task, its state, its node, its log and the log's last lines; a failed node check
 * (no Node.js ≥ 20 or no dcbench there) is `DCB_SLURM_NODE`.
 */

/** What a command run as a job array (`bench eval`, `bench pool index`) takes besides its own options. */
export interface ArrayCommandOptions {
  settings: SlurmSettings
  signal?: AbortSignal
  onArray?: (event: {jobId?: string; done: number; total: number; running: number}) => void
  pollMs?: number
}

export interface ArrayJobRun {
  /** The folder the script and the logs live in (it exists; a file system the nodes share). */
  dir: string
  /** The script's file name under `dir` (rewritten before each submission). */
  scriptName: string
  script: string
  count: number
  /** A task's log, relative to `dir`, for the array's job id and the task id. */
  logOf: (jobId: string, task: number) => string
  /** What each task runs, for messages (`bench eval --shard 2/4`). */
  describeTask: (task: number) => string
  /** Called with the array's job id once sbatch accepted it. */
  onSubmitted?: (jobId: string) => void
  onProgress?: (event: {done: number; total: number; running: number}) => void
  signal?: AbortSignal
  pollMs?: number
}

const TAIL_BYTES = 16 * 1024

/** The last lines of a task's log (at most 16 KiB read, never through a link). */
function lastLines(dir: string, rel: string, n: number): string[] {
  let fd: number
  try {
    fd = openInsideSync(dir, rel, constants.O_RDONLY)
  } catch {
    return []
  }
  try {
    const size = fstatSync(fd).size
    const buffer = Buffer.alloc(Math.min(size, TAIL_BYTES))
    const got = readSync(fd, buffer, 0, buffer.length, Math.max(0, size - buffer.length))
    return buffer.subarray(0, got).toString('utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(-n)
  } finally {
    closeSync(fd)
  }
}

/** Submits the array and returns its job id once every task completed. */
export async function runArrayJob(run: ArrayJobRun): Promise<{jobId: string}> {
  const pollMs = run.pollMs ?? 500
  const scriptPath = join(run.dir, run.scriptName)
  await writeFileAtomic(scriptPath, run.script)
  const jobId = (await sbatch(scriptPath)).split('_')[0] as string
  run.onSubmitted?.(jobId)
  let cancelled = false
  const onAbort = (): void => {
    cancelled = true
    scancel(jobId).catch(() => {})
  }
  if (run.signal?.aborted) onAbort()
  run.signal?.addEventListener('abort', onAbort, {once: true})
  try {
    let unknownPolls = 0
    let states: Map<number, ArrayTaskState> | undefined
    for (;;) {
      states = await arrayTaskStates(jobId)
      if (states) {
        const done = [...states.values()].filter((s) => s.task <= run.count && s.state === 'COMPLETED').length
        run.onProgress?.({done, total: run.count, running: [...states.values()].filter((s) => s.state === 'RUNNING').length})
        if (arrayDone(states, run.count)) break
      } else if (++unknownPolls > 20) {
        throw new DcbError('DCB_SLURM_JOB', `array job ${jobId}: SLURM no longer knows it (neither scontrol nor sacct); the tasks' logs are in ${run.dir}`)
      }
      await sleep(pollMs)
    }
    const failed = [...states.values()].filter((s) => s.task <= run.count && s.state !== 'COMPLETED').sort((a, b) => a.task - b.task)
    if (failed.length === 0) return {jobId}
    if (cancelled) throw new DcbError('DCB_SLURM_JOB', `array job ${jobId} cancelled by Ctrl-C; the shards keep their finished tasks: the same command resumes them`)
    throw taskFailure(run, jobId, failed)
  } finally {
    run.signal?.removeEventListener('abort', onAbort)
  }
}

/** A command's array (`bench eval`, `pool index`, `filter`, `reshard`, `pool download`): what `runArrayJob` needs but the wiring. */
export interface CommandArray {
  /** The folder of the script and the logs (created when missing; a file system the nodes share). */
  dir: string
  scriptName: string
  script: string
  count: number
  /** Each task's log under `dir`, with SLURM's `%A` (the array's job id) and `%a` (the task id). */
  logPattern: string
  describeTask: (task: number) => string
}

/** Runs a command's array: `runArrayJob` with the command's signal and poll interval, progress through `onArray` with the job id. */
export async function runCommandArray(array: CommandArray, options: ArrayCommandOptions): Promise<{jobId: string}> {
  const {logPattern, ...run} = array
  mkdirSync(array.dir, {recursive: true})
  let submitted: string | undefined
  return runArrayJob({
    ...run,
    logOf: (id, task) => logPattern.replace('%A', id).replace('%a', String(task)),
    onSubmitted: (id) => {
      submitted = id
      options.onArray?.({jobId: id, done: 0, total: array.count, running: 0})
    },
    onProgress: (event) => options.onArray?.({jobId: submitted, ...event}),
    signal: options.signal,
    pollMs: options.pollMs,
  })
}

function taskFailure(run: ArrayJobRun, jobId: string, failed: ArrayTaskState[]): DcbError {
  const first = failed[0] as ArrayTaskState
  const log = run.logOf(jobId, first.task)
  const lines = lastLines(run.dir, log, 3)
  const where = join(run.dir, log)
  const node = first.nodeList && first.nodeList !== '(null)' ? ` on ${first.nodeList}` : ''
  const others = failed.length > 1 ? ` (and ${failed.length - 1} more task(s): ${failed.slice(1, 6).map((s) => s.task).join(', ')}${failed.length > 6 ? ', …' : ''})` : ''
  const nodeCheck = lines.find((line) => line.startsWith(NODE_CHECK_FAILED))
  if (nodeCheck) {
    return new DcbError('DCB_SLURM_NODE', `array job ${jobId} task ${first.task} (${run.describeTask(first.task)})${node}: ${nodeCheck.slice(2)}; log ${where}`, {
      suggestions: ['the nodes need Node.js >= 20 at the same path as the login node (or DCBENCH_SLURM_NODE) and this checkout, built, on a shared file system (docs/slurm.md)'],
    })
  }
  const what = first.state === 'FAILED' ? `failed (exit ${first.exitCode}${first.signal ? `, signal ${first.signal}` : ''})` : first.state === 'TIMEOUT' ? 'hit its time limit' : first.state === 'OUT_OF_MEMORY' ? 'ran out of memory' : first.state === 'NODE_FAIL' ? 'lost its node (NODE_FAIL)' : `ended ${first.state}`
  return new DcbError('DCB_SLURM_JOB', `array job ${jobId} task ${first.task} (${run.describeTask(first.task)}) ${what}${node}${others}; log ${where}: ${lines.length > 0 ? lines.join(' | ') : '(empty)'}`, {
    suggestions: ['fix the cause the log names and run the same command: the finished tasks of every shard are kept'],
  })
}
