import {createInterface} from 'node:readline/promises'

import type {DownloadPlan} from '../benchmarks/benchmark.js'
import {DcbError} from '../errors.js'
import {formatBytes} from './bytes.js'
import {renderTable} from './table.js'

/** Downloads larger than this need --yes, or a yes at the prompt on a terminal. */
export const CONFIRM_ABOVE_BYTES = 10e9

/** The sizes `bench eval fetch` is about to download: one row per task, then the total. */
export function renderDownloadPlan(plan: DownloadPlan): string {
  return [
    renderTable([plan.unit ?? 'task', 'from', 'to download'], plan.tasks.map((t) => [t.key, t.source, `${plan.estimated?.includes(t.key) ? '~' : ''}${formatBytes(t.bytes)}`])),
    `total to download: ${formatBytes(plan.totalBytes)} (${plan.totalBytes} bytes) in ${plan.tasks.length} ${plan.unit ?? 'task'}(s)${plan.estimated?.length ? ' (~: estimated)' : ''}`,
    ...(plan.freeBytes === undefined ? [] : [`free disk: ${formatBytes(plan.freeBytes)}${plan.freeBytes < plan.totalBytes ? ' — LESS than the download needs' : ''}`]),
  ].join('\n')
}

export interface ConfirmDownloadOptions {
  /** --yes: go ahead whatever the size. */
  yes: boolean
  /** false: never prompt (--json, where the output is for machines). */
  interactive?: boolean
  /** Where to ask; a prompt is shown only when both are terminals. */
  input: NodeJS.ReadableStream & {isTTY?: boolean}
  output: NodeJS.WritableStream & {isTTY?: boolean}
}

/**
 * Lets a fetch over CONFIRM_ABOVE_BYTES go ahead only with --yes or a "y" typed at a terminal
 * prompt; anything else throws DCB_FETCH_CONFIRM (so a script without --yes never starts a
 * multi-GB download it did not ask for). Smaller fetches pass.
 */
export async function confirmDownload(plan: DownloadPlan, options: ConfirmDownloadOptions): Promise<void> {
  if (plan.totalBytes <= CONFIRM_ABOVE_BYTES || options.yes) return
  const size = formatBytes(plan.totalBytes)
  if (options.interactive !== false && options.input.isTTY && options.output.isTTY) {
    const prompt = createInterface({input: options.input, output: options.output})
    try {
      const answer = (await prompt.question(`Download ${size}? [y/N] `)).trim().toLowerCase()
      if (answer === 'y' || answer === 'yes') return
    } finally {
      prompt.close()
    }
    throw new DcbError('DCB_FETCH_CONFIRM', `${size} to download was not confirmed at the prompt; nothing was downloaded`)
  }
  throw new DcbError('DCB_FETCH_CONFIRM', `${size} to download in ${plan.tasks.length} ${plan.unit ?? 'task'}(s), over the ${formatBytes(CONFIRM_ABOVE_BYTES)} that needs confirming; nothing was downloaded`, {
    suggestions: ['check the sizes above, then run again with --yes', 'or fetch fewer tasks with --tasks'],
  })
}
