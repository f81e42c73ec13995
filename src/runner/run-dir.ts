import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {DcbError} from '../errors.js'
import type {Benchmark, InfraPlan} from '../tracks/index.js'
import {writeFileAtomic} from '../util/atomic-write.js'

/**
 * `RUN/run.json` (docs/contracts.md, "A run directory"): what `bench submit` reads (`RunFacts` in
 * src/leaderboard/build-entry.ts) plus how the run was made. Rewritten (atomically) when an attempt
 * starts and when it ends.
 */
export interface RunManifest {
  format: 'dcbench.run/1'
  benchmark: Benchmark
  scale: string
  track: string
  recipe_hash: string
  subset_fingerprint: string
  /** Samples (DataComp) or documents (DCLM) of the subset, repeats counted. */
  subset_size: number
  /** sha256 of the pool's uid index the data was resharded from; null for bring-your-own data. */
  pool_index_sha256: string | null
  data_dir: string
  /** The executor of the latest attempt. */
  executor: 'docker' | 'local'
  /** `sha256:…` image id of the latest docker attempt; null for the local executor. */
  image_digest: string | null
  image: string | null
  command: string[]
  infra: InfraPlan
  threads: number
  gpus: number
  memory_bytes: number | null
  max_steps: number | null
  /** First attempt's start; the latest attempt's end (null while one runs). */
  started_at: string
  finished_at: string | null
  /**
   * `running`, `complete` (finished and outputs accepted), `stopped_at_max_steps`, `interrupted`
   * (SIGINT/SIGTERM; run again to resume), `failed`, `oom_killed`, `invalid_outputs`.
   */
  exit_status: RunStatus
  attempts: RunAttempt[]
  /** Steps done and the loss at the end of the latest attempt. */
  steps: number | null
  steps_total: number | null
  final_loss: number | null
  validation: {ok: boolean; problems: string[]} | null
  harness_version: string
}

export type RunStatus = 'running' | 'complete' | 'stopped_at_max_steps' | 'interrupted' | 'failed' | 'oom_killed' | 'invalid_outputs'

export interface RunAttempt {
  executor: 'docker' | 'local'
  image_digest: string | null
  started_at: string
  finished_at: string | null
  exit_code: number | null
  oom_killed: boolean
  resumed_from_step: number | null
  last_step: number | null
}

export function runManifestPath(runDir: string): string {
  return join(runDir, 'run.json')
}

/** The run.json of a run directory, or undefined if it has none. */
export function readRunManifest(runDir: string): RunManifest | undefined {
  const file = runManifestPath(runDir)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new DcbError('DCB_RUN_DIR', `${file}: cannot read (${(error as NodeJS.ErrnoException).code})`)
  }
  try {
    return JSON.parse(text) as RunManifest
  } catch {
    throw new DcbError('DCB_RUN_DIR', `${file}: not valid JSON`)
  }
}

export async function writeRunManifest(runDir: string, manifest: RunManifest): Promise<void> {
  await writeFileAtomic(runManifestPath(runDir), `${JSON.stringify(manifest, null, 2)}\n`)
}
