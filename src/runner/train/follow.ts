import type {RunAttempt, RunManifest} from '../../contracts/run-manifest.js'
import {parseTrainerLine, type TrainerEvent} from '../trainer-events.js'
import type {TrainOptions} from './types.js'

/**
 * Step 4 of `train()`: following the trainer. Every output line goes to the log and to `onLog`; the
 * trainer's `@dcbench` events (docs/containers.md) update the run record and drive the progress
 * display (step, loss, ETA at this attempt's pace).
 */
export class TrainerFollower {
  /** The trainer's own error event, else the last stderr line: what a failure message quotes. */
  errorMessage: string | undefined
  lastStderr: string | undefined
  private attemptStart: {step: number; time: number} | undefined

  constructor(
    private readonly manifest: RunManifest,
    private readonly attempt: RunAttempt,
    private readonly options: Pick<TrainOptions, 'maxSteps' | 'onProgress' | 'onLog'>,
    private readonly threads: number,
  ) {}

  /** One line of trainer output. */
  line(line: string, stream: 'stdout' | 'stderr'): void {
    this.options.onLog?.(line)
    if (stream === 'stderr' && line.trim() !== '') this.lastStderr = line.trim()
    const event = stream === 'stdout' ? parseTrainerLine(line) : undefined
    if (event) this.event(event)
  }

  /** What the trainer said last about why it failed. */
  get failureText(): string | undefined {
    return this.errorMessage ?? this.lastStderr
  }

  private event(event: TrainerEvent): void {
    const {manifest, attempt, options} = this
    switch (event.event) {
      case 'start':
        attempt.resumed_from_step = event.resumed_from_step
        manifest.steps_total = event.steps_total
        this.attemptStart = {step: event.resumed_from_step, time: Date.now()}
        options.onProgress?.({phase: 'train', step: event.resumed_from_step, stepsTotal: options.maxSteps ?? event.steps_total, message: `${event.device ?? 'cpu'}, ${event.threads ?? this.threads} threads`})
        break
      case 'step': {
        attempt.last_step = event.step
        manifest.steps = event.step
        manifest.final_loss = event.loss
        const target = options.maxSteps === undefined ? event.steps_total : Math.min(options.maxSteps, event.steps_total)
        this.attemptStart ??= {step: event.step - 1, time: Date.now()}
        const done = event.step - this.attemptStart.step
        const eta = done > 0 ? ((Date.now() - this.attemptStart.time) / 1000 / done) * Math.max(0, target - event.step) : undefined
        options.onProgress?.({phase: 'train', step: event.step, stepsTotal: target, loss: event.loss, etaSeconds: eta})
        break
      }
      case 'export':
        options.onProgress?.({phase: 'export', message: `${event.files.length} files`})
        break
      case 'error':
        this.errorMessage = event.message
        break
      default:
        break
    }
  }
}
