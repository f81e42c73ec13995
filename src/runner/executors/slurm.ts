import {closeSync, constants, fstatSync, readSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {DcbError} from '../../errors.js'
import {writeFileAtomic} from '../../util/atomic-write.js'
import {ensureDirInside, openInsideSync} from '../../util/no-follow.js'
import {FINAL_STATES, jobState, sbatch, scancel, type SlurmJobState} from '../slurm/client.js'
import {lineSplitter} from './lines.js'
import type {ExecutorOutcome} from './types.js'

/**
 * The SLURM executor: submits the batch script (or re-attaches to the run's job while it is queued or
 * running), copies the job's output file into the follower line by line as SLURM appends to it, follows
 * the job's state until it is final, and turns that state into the executors' outcome. Aborting cancels
 * the job (`scancel`: SIGTERM to the trainers, which checkpoint). A failed, timed-out, out-of-memory,
 * node-failed or outside-cancelled job is one line with its id, its state and the log's last lines.
 */

export interface SlurmExecution {
  runDir: string
  /** The batch script (src/runner/slurm/script.ts); written to RUN/slurm/train.sbatch before sbatch. */
  script: string
  /** The job's output file, relative to RUN, for a job id (the script's `--output` with `%j` filled in). */
  outputFileOf: (jobId: string) => string
  /** A job of this run that may still be queued or running (or finished unfollowed): followed instead of submitting a new one. */
  reattachJobId?: string
  /** Called with the job id before the job is followed (bench records it in run.json). */
  onJob: (jobId: string, reattached: boolean) => Promise<void>
  onLine: (line: string, stream: 'stdout' | 'stderr') => void
  signal?: AbortSignal
  /** How often the state and the output file are read. */
  pollMs?: number
}

export interface SlurmOutcome extends ExecutorOutcome {
  jobId: string
  state: string
}

/** Lines of the job's log a failure message quotes. */
const TAIL_LINES = 3

/** Reads what SLURM appended to the job's output file since the last call, never through a link. */
class OutputTail {
  private offset = 0
  private readonly split: ReturnType<typeof lineSplitter>
  readonly last: string[] = []

  constructor(private readonly runDir: string, private readonly file: string, onLine: (line: string) => void) {
    this.split = lineSplitter((line) => {
      onLine(line)
      if (line.trim() !== '') this.last.push(line.trim())
      if (this.last.length > TAIL_LINES) this.last.shift()
    })
  }

  read(): void {
    let fd: number
    try {
      fd = openInsideSync(this.runDir, this.file, constants.O_RDONLY)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw error
    }
    try {
      if (!fstatSync(fd).isFile()) return
      const buffer = Buffer.alloc(1 << 16)
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, this.offset)
        if (n <= 0) break
        this.offset += n
        this.split.write(buffer.subarray(0, n))
      }
    } finally {
      closeSync(fd)
    }
  }

  flush(): void {
    this.read()
    this.split.flush()
  }
}

/** True while the job may still run (queued, running, requeued): a re-attach follows it. */
export function jobIsActive(state: SlurmJobState | undefined): boolean {
  return state !== undefined && !FINAL_STATES.has(state.state)
}

export async function runOnSlurm(run: SlurmExecution): Promise<SlurmOutcome> {
  const pollMs = run.pollMs ?? 500
  let jobId: string | undefined
  let reattached = false
  if (run.reattachJobId) {
    // queued or running — or completed while no bench followed it: its output says how it ended
    const state = await jobState(run.reattachJobId)
    if (jobIsActive(state) || state?.state === 'COMPLETED') {
      jobId = run.reattachJobId
      reattached = true
    }
  }
  if (!jobId) {
    ensureDirInside(run.runDir, 'slurm')
    const scriptPath = join(run.runDir, 'slurm/train.sbatch')
    await writeFileAtomic(scriptPath, run.script)
    jobId = await sbatch(scriptPath)
  }
  await run.onJob(jobId, reattached)
  const tail = new OutputTail(run.runDir, run.outputFileOf(jobId), (line) => run.onLine(line, 'stdout'))
  let cancelled = false
  const onAbort = (): void => {
    cancelled = true
    scancel(jobId as string).catch(() => {})
  }
  if (run.signal?.aborted) onAbort()
  run.signal?.addEventListener('abort', onAbort, {once: true})
  try {
    let state: SlurmJobState | undefined
    let unknownPolls = 0
    for (;;) {
      tail.read()
      state = await jobState(jobId)
      if (state && FINAL_STATES.has(state.state)) break
      if (!state && ++unknownPolls > 20) throw new DcbError('DCB_SLURM_JOB', `job ${jobId}: SLURM no longer knows it (neither scontrol nor sacct); the run's log is ${join(run.runDir, run.outputFileOf(jobId))}`)
      await sleep(pollMs)
    }
    // the output file is written by slurmd: give the last lines a moment to land (a shared file system)
    await sleep(Math.min(pollMs, 500))
    tail.flush()
    return outcomeOf(jobId, state, cancelled, tail.last)
  } finally {
    run.signal?.removeEventListener('abort', onAbort)
  }
}

function outcomeOf(jobId: string, state: SlurmJobState, cancelled: boolean, last: string[]): SlurmOutcome {
  const base = {jobId, state: state.state, oomKilled: false, stopped: false}
  if (state.state === 'COMPLETED') return {...base, exitCode: 0}
  if (cancelled && state.state === 'CANCELLED') return {...base, exitCode: 143, stopped: true}
  // the trainer refused its input (exit 2): its own error event says why (docs/containers.md)
  if (state.state === 'FAILED' && state.exitCode === 2) return {...base, exitCode: 2}
  const what = state.state === 'FAILED' ? `failed (exit ${state.exitCode}${state.signal ? `, signal ${state.signal}` : ''})`
    : state.state === 'TIMEOUT' ? 'hit its time limit'
      : state.state === 'OUT_OF_MEMORY' ? 'ran out of memory'
        : state.state === 'NODE_FAIL' ? 'lost a node (NODE_FAIL)'
          : state.state === 'CANCELLED' ? 'was cancelled outside bench'
            : `ended ${state.state}`
  const nodes = state.nodeList && state.nodeList !== '(null)' ? ` on ${state.nodeList}` : ''
  throw new DcbError('DCB_SLURM_JOB', `job ${jobId} ${what}${nodes}; the log's last lines: ${last.length > 0 ? last.join(' | ') : '(none)'}`, {
    suggestions: ['run the same bench train command to resume from the last checkpoint (RUN/logs/train.log has the whole log)'],
  })
}
