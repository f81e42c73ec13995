import type {CpuImage} from '../cpu-image.js'
import type {SlurmSettings} from '../slurm/site.js'

/**
 * The options and results of `train()` (src/runner/train/index.ts), shared by its steps.
 */

export type ExecutorChoice = 'docker' | 'local' | 'auto' | 'slurm'

/** What the trainer reports while it runs, for a progress display. */
export interface TrainProgressEvent {
  phase: 'image' | 'train' | 'export' | 'validate'
  step?: number
  stepsTotal?: number
  loss?: number
  /** Seconds left at this attempt's pace. */
  etaSeconds?: number
  message?: string
}

export interface TrainOptions {
  benchmark: string
  scale: string
  track?: string
  /** Training data written by `bench reshard`. */
  dataDir: string
  runDir: string
  executor?: ExecutorChoice
  /**
   * GPUs for the container (NVIDIA device request); 0 = CPU. The short form of `set.gpus_per_node`.
   * Official scales default to the scale's GPU count (`info.gpus` in tracks/*.yaml) and refuse 0.
   */
  gpus?: number
  /**
   * An official scale's smoke run (docs/official.md): the real upstream trainer in the CPU smoke image
   * with the scale's argument list except the adapter's smoke overrides; recorded as smoke in run.json,
   * which `bench submit` refuses.
   */
  smoke?: boolean
  /** A folder of sources.lock's archives for building a missing smoke image offline (default $DCBENCH_VENDOR). */
  vendor?: string
  /**
   * The per-run infrastructure split (`gpus_per_node`, `nodes`, `per_device_batch_size`, `grad_accum`),
   * checked like `bench tracks show --set`: anything else is refused, and the recipe hash is unchanged.
   */
  set?: Record<string, string | number>
  /** Stop after this many optimizer steps in total (smoke tests); the run ends `stopped_at_max_steps`. */
  maxSteps?: number
  /** CPU threads (DCBENCH_THREADS and the container's CPU limit). Default: every core. */
  threads?: number
  /** Container memory limit in bytes. Default: 80 % of the host's memory. */
  memoryBytes?: number
  /** An image tag or id instead of the scale's own (docker). */
  image?: string
  /** A trainer command instead of the image's (docker) or `python3 -m dcbench_trainers` (local). */
  command?: string[]
  /** The folder holding `dcbench_trainers` for the local executor. Default: the package's containers/trainers. */
  trainersDir?: string
  /**
   * Builds (when needed) and names the CPU image of the tiny scale. Default: `ensureCpuImageForTrain`
   * of src/runner/cpu-image.ts (containers/cpu/build.sh when the tag for the current trainer code is missing).
   */
  ensureImage?: (onProgress: (message: string) => void) => Promise<Pick<CpuImage, 'tag' | 'imageId'>>
  /** `--executor slurm`: the site's options, the runtime on the nodes and its image (src/runner/slurm/site.ts). */
  slurm?: SlurmSettings
  /** Aborting stops the trainer (SIGTERM: it checkpoints), and the run ends `interrupted`. */
  signal?: AbortSignal
  onProgress?: (event: TrainProgressEvent) => void
  /** Every line of trainer output as it comes (also copied to RUN/logs/train.log). */
  onLog?: (line: string) => void
  tracksDir?: string
}

export interface TrainResult {
  run_dir: string
  benchmark: string
  scale: string
  executor: string
  image: string | null
  image_digest: string | null
  exit_status: string
  steps: number | null
  steps_total: number | null
  final_loss: number | null
  /** Seconds of this invocation; 0 when the run was already complete. */
  seconds: number
  already_complete: boolean
  resumed_from_step: number | null
  /** Remarks for the user, e.g. why the local executor was chosen. */
  notes: string[]
}
