import {createInterface} from 'node:readline/promises'

import {DcbError} from '../errors.js'
import {formatBytes} from './bytes.js'
import {CONFIRM_ABOVE_BYTES} from './confirm-download.js'

/** Jobs estimated to take longer than this need --yes, or a yes at the prompt on a terminal. */
export const CONFIRM_ABOVE_SECONDS = 30 * 60

/** `3 h 20 min`, `12 min`, `40 s`: an estimate's duration for people. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  return hours >= 48 ? `${Math.round(hours / 24)} days` : `${hours} h${minutes % 60 === 0 ? '' : ` ${minutes % 60} min`}`
}

export interface ConfirmLargeJobOptions {
  /** The job in the words of its command: `pool synth of datacomp small`. */
  what: string
  /** Estimated output bytes and seconds. */
  bytes: number
  seconds: number
  /** --yes: go ahead whatever the size. */
  yes: boolean
  /** false: never prompt (--json, where the output is for machines). */
  interactive?: boolean
  /** Where to ask; a prompt is shown only when both are terminals. */
  input: NodeJS.ReadableStream & {isTTY?: boolean}
  output: NodeJS.WritableStream & {isTTY?: boolean}
}

/**
 * Lets a job past CONFIRM_ABOVE_BYTES of output (the threshold `bench eval fetch` uses for
 * downloads) or CONFIRM_ABOVE_SECONDS estimated go ahead only with --yes or a "y" typed at a
 * terminal prompt; anything else throws DCB_JOB_CONFIRM before anything is written, so nothing
 * multi-hour or multi-GB starts by surprise. Smaller jobs pass.
 */
export async function confirmLargeJob(options: ConfirmLargeJobOptions): Promise<void> {
  const large = options.bytes > CONFIRM_ABOVE_BYTES
  const long = options.seconds > CONFIRM_ABOVE_SECONDS
  if ((!large && !long) || options.yes) return
  const size = `≈ ${formatBytes(options.bytes)}, ≈ ${formatDuration(options.seconds)}`
  if (options.interactive !== false && options.input.isTTY && options.output.isTTY) {
    const prompt = createInterface({input: options.input, output: options.output})
    try {
      const answer = (await prompt.question(`Start ${options.what} (${size})? [y/N] `)).trim().toLowerCase()
      if (answer === 'y' || answer === 'yes') return
    } finally {
      prompt.close()
    }
    throw new DcbError('DCB_JOB_CONFIRM', `${options.what} (${size}) was not confirmed at the prompt; nothing was started`)
  }
  const over = [large ? `over ${formatBytes(CONFIRM_ABOVE_BYTES)}` : '', long ? `over ${formatDuration(CONFIRM_ABOVE_SECONDS)}` : ''].filter(Boolean).join(' and ')
  throw new DcbError('DCB_JOB_CONFIRM', `${options.what} would write ${formatBytes(options.bytes)} in about ${formatDuration(options.seconds)} (estimated), ${over}, which needs confirming; nothing was started`, {
    suggestions: ['check the size above, then run again with --yes', 'or use a smaller --scale (tiny is minutes)'],
  })
}
