import type {DownloadPlan} from '../benchmarks/benchmark.js'
import {confirmDownload, renderDownloadPlan} from './confirm-download.js'
import {createProgressDisplay, type ProgressDisplay} from './progress.js'

/** One progress event of a download: `task` names what is being fetched; a new task starts a new line. */
export interface DownloadProgressEvent {
  task: string
  done: number
  total?: number
  detail?: string
}

export interface DownloadInteraction {
  /** Prints the plan (sizes per task, total, free disk) and asks when it is large; throwing refuses. */
  confirm: (plan: DownloadPlan) => Promise<void>
  /** One progress line per task, replaced as the task moves on. */
  onProgress: (event: DownloadProgressEvent) => void
  /** Ends the last progress line. */
  stop: () => void
}

/**
 * The terminal side of a download command (`bench pool download`, `bench eval fetch`): the plan shown
 * and confirmed before anything is fetched, then a progress line per task. With `quiet` (--json)
 * nothing is printed and nothing is asked: a large download then needs --yes.
 */
export function downloadInteraction(options: {yes: boolean; quiet: boolean; unitOf?: (task: string) => string}): DownloadInteraction {
  let display: ProgressDisplay | undefined
  let current = ''
  return {
    confirm: async (plan) => {
      if (!options.quiet) process.stderr.write(`${renderDownloadPlan(plan)}\n`)
      await confirmDownload(plan, {yes: options.yes, interactive: !options.quiet, input: process.stdin, output: process.stderr})
    },
    onProgress: (event) => {
      if (options.quiet) return
      if (event.task !== current) {
        display?.stop()
        current = event.task
        display = createProgressDisplay({label: event.task, unit: options.unitOf?.(event.task) ?? 'bytes'})
      }
      display?.update({done: event.done, total: event.total, detail: event.detail})
    },
    stop: () => display?.stop(),
  }
}

/** HF_HUB_OFFLINE as huggingface_hub reads it: 1, true or yes (any case) turns the hub off. */
export function hubOfflineFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['1', 'true', 'yes'].includes((env.HF_HUB_OFFLINE ?? '').toLowerCase())
}
