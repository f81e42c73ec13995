/** The shared types of the SLURM executor (src/runner/slurm/): its runtimes and a site's options. */

/** Where the trainer runs on a node: the node's own Python (`host`), pyxis/enroot, or Apptainer. */
export const SLURM_RUNTIMES = ['host', 'pyxis', 'apptainer'] as const
export type SlurmRuntime = (typeof SLURM_RUNTIMES)[number]

/** A site's SLURM options (read and checked by src/runner/slurm/site.ts); each goes onto an `#SBATCH` line. */
export interface SlurmSite {
  partition?: string
  account?: string
  qos?: string
  /** `--time` (minutes, MM:SS, HH:MM:SS, D-HH[:MM[:SS]], or UNLIMITED). */
  time?: string
  constraint?: string
  /** Free `--name[=value]` options for other #SBATCH lines. */
  sbatchArgs: string[]
  /** `--requeue`: a preempted or timed-out job is requeued and resumes from its checkpoint. */
  requeue: boolean
  /** `--signal`: what the batch shell receives before the time limit (default `B:USR1@120`). */
  signal: string
}

