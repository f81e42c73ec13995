import {fork} from 'node:child_process'
import {join} from 'node:path'

import {z} from 'zod'

import type {ImageShardWork} from '../benchmarks/benchmark.js'
import {DcbError, isErrorCode} from '../errors.js'
import {parseStrictJson} from '../util/strict-json.js'
import {packageRoot} from '../util/paths.js'

/**
 * `bench pool download --processes N` (DataComp's images, on this machine): the metadata and the
 * sizes are done here as in any download; then N child `bench pool download … --skip-metadata
 * --shards a-b --shard i/N` processes download the image shards, each its own share (round-robin over
 * the range, as a SLURM array's tasks), and this process sums up every `_stats.json` when all are done.
 * One process runs its JavaScript and pixel kernels on one thread — about a third of its CPU in
 * bench/README.md's profile — so it uses at most about three cores; img2dataset runs a pool of
 * processes for the same reason.
 */

/** Set in a child's environment: it then sends its progress events to this process over IPC. */
export const PROGRESS_IPC_ENV = 'DCBENCH_PROGRESS_IPC'

/**
 * A download process of `--processes` (PROGRESS_IPC_ENV set, an IPC channel to its parent) also sends
 * its progress events to the parent, which sums them up; anything else shows them only.
 */
export function progressToParent<E extends object>(show: (event: E) => void): (event: E) => void {
  if (process.env[PROGRESS_IPC_ENV] !== '1' || !process.send) return show
  return (event) => {
    show(event)
    if (process.connected) process.send?.(event)
  }
}

export interface PoolDownloadProcessesOptions {
  /** Child processes; fewer when the range has fewer shards. */
  processes: number
  /** What every child runs: `bench pool download` arguments without `--shards`/`--shard`/`--json`. */
  taskArgs: string[]
  /** Receives how many processes will run, before they start. */
  onPlan?: (processes: number) => void
  /** The children's image progress, summed. */
  onProgress?: (event: {task: string; done: number; total?: number; detail?: string}) => void
}

const progressEvent = z.object({task: z.string().max(100), done: z.number().finite().nonnegative(), total: z.number().finite().nonnegative().optional()}).passthrough()
const errorDocument = z.object({error: z.object({code: z.string(), message: z.string(), suggestions: z.array(z.string()).max(20).optional()})})

/** At most this much of a child's stdout (its one JSON document) and stderr is kept. */
const KEPT_OUTPUT = 64 * 1024

/**
 * The `shardRunner` of a pool download in local processes: runs the children and waits for all of
 * them. The first to fail stops the others (their finished shards are kept; a rerun resumes) and is
 * reported in one line with its own error code.
 */
export function processShardRunner(options: PoolDownloadProcessesOptions): (work: ImageShardWork) => Promise<boolean> {
  return async (work) => {
    const processes = Math.min(options.processes, work.last - work.first + 1)
    options.onPlan?.(processes)
    if (work.todo === 0) return true
    const progress = Array.from({length: processes}, () => ({done: 0, total: undefined as number | undefined}))
    let running = processes
    const report = (): void => {
      const totals = progress.map((p) => p.total)
      const total = totals.every((t) => t !== undefined) ? totals.reduce((sum: number, t) => sum + (t as number), 0) : undefined
      options.onProgress?.({task: 'images', done: progress.reduce((sum, p) => sum + p.done, 0), total, detail: `${running} of ${processes} processes running`})
    }
    const stop = new AbortController()
    const children = progress.map(async (state, i) => {
      const args = [...options.taskArgs, '--shards', `${work.first}-${work.last}`, '--shard', `${i + 1}/${processes}`]
      try {
        await runChild(args, stop.signal, (event) => {
          if (event.task !== 'images') return
          state.done = event.done
          state.total = event.total
          report()
        })
      } catch (error) {
        stop.abort()
        throw error instanceof DcbError ? new DcbError(error.code, `download process ${i + 1}/${processes} (--shards ${work.first}-${work.last} --shard ${i + 1}/${processes}): ${error.message}`, {suggestions: error.suggestions}) : error
      } finally {
        running--
      }
    })
    const settled = await Promise.allSettled(children)
    // the first child's own failure, not the ones the stop caused
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected' && !(s.reason instanceof StoppedByParent))
    if (failed) throw failed.reason
    return true
  }
}

/** A child this process stopped because another one failed. */
class StoppedByParent extends Error {}

function runChild(args: string[], signal: AbortSignal, onEvent: (event: z.infer<typeof progressEvent>) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(join(packageRoot(), 'bin', 'run.js'), [...args, '--json'], {stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: {...process.env, [PROGRESS_IPC_ENV]: '1'}, signal})
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      if (stdout.length < KEPT_OUTPUT) stdout += chunk.toString('utf8')
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-KEPT_OUTPUT)
    })
    child.on('message', (message) => {
      const event = progressEvent.safeParse(message)
      if (event.success) onEvent(event.data)
    })
    child.on('error', (error) => {
      if (signal.aborted) reject(new StoppedByParent())
      else reject(new DcbError('DCB_DOWNLOAD_PROCESS', `could not start: ${error.message}`))
    })
    child.on('close', (code, killedBy) => {
      if (code === 0) resolve()
      else if (signal.aborted) reject(new StoppedByParent())
      else reject(childFailure(stdout, stderr, code, killedBy))
    })
  })
}

/** The child's own error (its --json document), or how it ended when it left none. */
function childFailure(stdout: string, stderr: string, code: number | null, killedBy: NodeJS.Signals | null): DcbError {
  try {
    const document = errorDocument.parse(parseStrictJson(stdout.trim()))
    const {code: errorCode, message, suggestions} = document.error
    if (isErrorCode(errorCode)) return new DcbError(errorCode, message.split('\n')[0] ?? '', {suggestions})
  } catch {
    // no error document: say how it ended
  }
  const lastLine = stderr.trim().split('\n').at(-1)?.slice(0, 300)
  return new DcbError('DCB_DOWNLOAD_PROCESS', `${killedBy ? `was killed by ${killedBy}` : `exited with code ${code}`}${lastLine ? `; its last line: ${lastLine}` : ''}`)
}
