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
    const bar = new cliProgress.SingleBar(
      {format: `${options.label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {detail}`, stream, hideCursor: true},
      cliProgress.Presets.shades_classic,
    )
    let started = false
    return {
      update({done, total, detail}) {
        if (!started) {
          bar.start(total ?? 0, done, {detail: detail ?? ''})
          started = true
        }
        if (total !== undefined) bar.setTotal(total)
        bar.update(done, {detail: detail ?? ''})
      },
      stop(message) {
        if (started) bar.stop()
        if (message) stream.write(`${message}\n`)
      },
    }
  }
  const interval = (options.plainIntervalSeconds ?? 5) * 1000
  const startedAt = Date.now()
  let lastPrinted = 0
  let last: {done: number; total?: number; detail?: string} | undefined
  const print = (): void => {
    if (!last) return
    const elapsed = (Date.now() - startedAt) / 1000
    const of = last.total === undefined ? '' : `/${last.total}`
    const eta = last.total && last.done > 0 ? ` eta ${Math.max(0, Math.round((elapsed * (last.total - last.done)) / last.done))}s` : ''
    stream.write(`${options.label}: ${last.done}${of} ${options.unit ?? ''}${eta}${last.detail ? ` ${last.detail}` : ''}\n`.replace(/ +\n$/, '\n'))
    lastPrinted = Date.now()
  }
  return {
    update(event) {
      last = event
      if (Date.now() - lastPrinted >= interval) print()
    },
    stop(message) {
      if (last && Date.now() - lastPrinted > 0) print()
      if (message) stream.write(`${message}\n`)
    },
  }
}
