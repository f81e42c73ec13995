/**
 * The machine-readable lines a trainer prints on stdout (docs/containers.md, "Progress on stdout"):
 * `@dcbench ` followed by one JSON object with an `event`.
 */

export const EVENT_PREFIX = '@dcbench '

/** One `metrics.jsonl` object (the `step` event carries it). */
export interface StepMetrics {
  step: number
  steps_total: number
  epoch?: number
  samples_seen?: number
  tokens_seen?: number
  loss: number
  lr?: number
  samples_per_second?: number
  tokens_per_second?: number
  elapsed_seconds?: number
  [key: string]: unknown
}

/** `final.json`. */
export interface FinalJson {
  format: string
  benchmark: string
  scale: string
  recipe_hash: string
  complete: boolean
  steps: number
  steps_total: number
  samples_seen?: number
  tokens_seen?: number
  final_loss?: number
  train_seconds?: number
  attempts?: number
  /**
   * Trainers that log only every N steps (the official images: upstream's --log-every-n-steps) say N;
   * metrics.jsonl's last step may then fall short of `steps` by less than N. Absent: every step is logged.
   */
  metrics_every_n_steps?: number
  [key: string]: unknown
}

export type TrainerEvent =
  | {event: 'start'; steps_total: number; resumed_from_step: number; device?: string; threads?: number}
  | ({event: 'step'} & StepMetrics)
  | {event: 'checkpoint'; step: number; path: string}
  | {event: 'export'; files: string[]}
  | ({event: 'done'} & FinalJson)
  | {event: 'error'; message: string}

/** The event of a `@dcbench ` line; undefined for any other line (or one that does not parse). */
export function parseTrainerLine(line: string): TrainerEvent | undefined {
  if (!line.startsWith(EVENT_PREFIX)) return undefined
  try {
    const value = JSON.parse(line.slice(EVENT_PREFIX.length)) as unknown
    if (value === null || typeof value !== 'object' || typeof (value as {event?: unknown}).event !== 'string') return undefined
    return value as TrainerEvent
  } catch {
    return undefined
  }
}
