import cliProgress from 'cli-progress'

/** What long-running library functions report; they never print themselves. */
export interface ProgressEvent {
  /** Units done so far (samples, bytes, steps, tasks…). */
  done: number
  /** Total units, when known. */
  total?: number
  /** A short status such as `loss 2.31` or the current task. */
  detail?: string
}

export type ProgressListener = (event: ProgressEvent) => void

export interface ProgressDisplay {
  update: ProgressListener
  /** Ends the display with a final line. */
  stop(message?: string): void
}

export interface ProgressDisplayOptions {
  label: string
  /** Unit name for plain lines (e.g. `steps`). */
  unit?: string
  /** Silent (e.g. under --json, where stdout is for the result). */
  quiet?: boolean
  stream?: NodeJS.WriteStream
  /** Seconds between plain progress lines when not on a TTY. */
  plainIntervalSeconds?: number
}

/**
 * A bar with ETA on a TTY; on a pipe, a plain line at most every few seconds (and at the end), so
 * logs show progress without flooding. Everything goes to stderr: stdout is for results.
 */
export function createProgressDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  const stream = options.stream ?? process.stderr
  if (options.quiet) return {update: () => {}, stop: () => {}}
  if (stream.isTTY) {
    // Without a total there is no bar, percentage or ETA to show: a counter (not "100% | 1000/0").
    const withTotal = `${options.label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {detail}`
    const counter = `${options.label}: {value}${options.unit ? ` ${options.unit}` : ''} | {detail}`
    let bar: cliProgress.SingleBar | undefined
    return {
      update({done, total, detail}) {
        if (!bar) {
          bar = new cliProgress.SingleBar({format: total === undefined ? counter : withTotal, stream, hideCursor: true}, cliProgress.Presets.shades_classic)
          bar.start(total ?? 0, done, {detail: detail ?? ''})
        }
        if (total !== undefined) bar.setTotal(total)
        bar.update(done, {detail: detail ?? ''})
      },
      stop(message) {
        bar?.stop()
        if (message) stream.write(`${message}\n`)
      },
    }
  }
  const interval = (options.plainIntervalSeconds ?? 5) * 1000
  const startedAt = Date.now()
  let lastPrinted = 0
  let last: {done: number; total?: number; detail?: string} | undefined
  // the last event already printed is not printed again at stop (it was, so every line came twice)
  let unprinted = false
  const print = (): void => {
    if (!last) return
    const elapsed = (Date.now() - startedAt) / 1000
    const of = last.total === undefined ? '' : `/${last.total}`
    const eta = last.total && last.done > 0 ? ` eta ${Math.max(0, Math.round((elapsed * (last.total - last.done)) / last.done))}s` : ''
    stream.write(`${options.label}: ${last.done}${of} ${options.unit ?? ''}${eta}${last.detail ? ` ${last.detail}` : ''}\n`.replace(/ +\n$/, '\n'))
    lastPrinted = Date.now()
    unprinted = false
  }
  return {
    update(event) {
      last = event
      unprinted = true
      if (Date.now() - lastPrinted >= interval) print()
    },
    stop(message) {
      if (last && unprinted) print()
      if (message) stream.write(`${message}\n`)
    },
  }
}
