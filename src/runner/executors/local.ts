import {join} from 'node:path'

import {execa} from 'execa'

import {DcbError} from '../../errors.js'
import {lineSplitter} from './lines.js'
import type {ExecutorOutcome, ExecutorRun} from './types.js'

/**
 * The local executor (execa): the same trainer code on the host's python3 (`findHostPython()`), with
 * the contract's environment set to host paths and `PYTHONPATH` at the trainers folder. No isolation:
 * the data folder is not made read-only and no memory limit applies.
 */

export interface LocalRun extends ExecutorRun {
  python: string
  /** The folder holding the `dcbench_trainers` package. */
  trainersDir: string
}

/** Seconds to wait after SIGTERM (the trainer checkpoints) before SIGKILL. */
const STOP_GRACE_MS = 120_000

export async function runLocally(run: LocalRun): Promise<ExecutorOutcome> {
  const [program, ...args] = run.command
  const command = program === 'python3' ? run.python : (program as string)
  const env: Record<string, string> = {
    ...run.env,
    DCBENCH_DATA: run.dataDir,
    DCBENCH_OUT: run.runDir,
    DCBENCH_RECIPE: join(run.runDir, 'recipe.json'),
    PYTHONPATH: run.trainersDir,
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  }
  const out = lineSplitter((line) => run.onLine(line, 'stdout'))
  const err = lineSplitter((line) => run.onLine(line, 'stderr'))
  let stopped = false
  let child
  try {
    child = execa(command, args, {env, cwd: run.runDir, reject: false, stdin: 'ignore', buffer: false, forceKillAfterDelay: STOP_GRACE_MS})
  } catch (error) {
    throw new DcbError('DCB_LOCAL_EXECUTOR', `cannot start ${command}: ${(error as Error).message.split('\n')[0]}`)
  }
  const onAbort = (): void => {
    stopped = true
    child.kill('SIGTERM')
  }
  if (run.signal?.aborted) onAbort()
  run.signal?.addEventListener('abort', onAbort, {once: true})
  child.stdout?.on('data', (chunk: Buffer) => out.write(chunk))
  child.stderr?.on('data', (chunk: Buffer) => err.write(chunk))
  try {
    const result = await child
    out.flush()
    err.flush()
    if (result.failed && result.exitCode === undefined && !result.signal) {
      throw new DcbError('DCB_LOCAL_EXECUTOR', `cannot run ${command}: ${String(result.shortMessage ?? result.message).split('\n')[0]}`)
    }
    // A process killed by a signal reports 128 + its number, as a shell (and Docker) would.
    const exitCode = result.exitCode ?? (result.signal === 'SIGTERM' ? 143 : result.signal === 'SIGKILL' ? 137 : 1)
    return {exitCode, oomKilled: false, stopped}
  } finally {
    run.signal?.removeEventListener('abort', onAbort)
  }
}
