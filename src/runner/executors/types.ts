/** What both executors need to start one training attempt (docs/containers.md). */
export interface ExecutorRun {
  /** Absolute host paths of the training data (mounted read-only at /data) and the run directory (/out). */
  dataDir: string
  runDir: string
  /** Further docker bind mounts (`host:container:mode`), e.g. the checkpoint `bench export` reads. */
  extraBinds?: string[]
  /** docker: the container's working directory; default /tmp, null for the image's own WORKDIR. */
  workingDir?: string | null
  /** The trainer command and arguments. */
  command: string[]
  /** DCBENCH_THREADS, DCBENCH_GPUS, DCBENCH_MAX_STEPS (the executor adds DCBENCH_DATA/OUT/RECIPE). */
  env: Record<string, string>
  /** CPU threads (docker: the CPU limit) and memory limit in bytes (docker only). */
  threads: number
  memoryBytes: number
  gpus: number
  /** Labels (docker: on the container). */
  labels: Record<string, string>
  /** Every line the trainer prints, stdout and stderr, as it comes. */
  onLine: (line: string, stream: 'stdout' | 'stderr') => void
  /** Aborting stops the trainer with SIGTERM (it checkpoints and exits 143) and cleans up. */
  signal?: AbortSignal
}

/** How an attempt ended. */
export interface ExecutorOutcome {
  exitCode: number
  /** Docker's `State.OOMKilled`. */
  oomKilled: boolean
  /** The attempt was stopped through the abort signal. */
  stopped: boolean
}

/** The container paths the contract fixes. */
export const CONTAINER_DATA = '/data'
export const CONTAINER_OUT = '/out'
