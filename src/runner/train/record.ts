import {join} from 'node:path'

import type {TrainingDataFacts} from '../../benchmarks/benchmark.js'
import {RUN_MANIFEST_FORMAT, writeRunManifest, type RunAttempt, type RunManifest, type RunStatus} from '../../contracts/run-manifest.js'
import {hashModelFolder} from '../../contracts/model-folder.js'
import {DcbError} from '../../errors.js'
import type {InfraPlan} from '../../tracks/infra.js'
import type {ScaleRecipe} from '../../tracks/recipe.js'
import {readFileInsideSync} from '../../util/no-follow.js'
import {harnessVersion} from '../../util/paths.js'
import type {ExecutorOutcome} from '../executors/types.js'
import type {FinalJson} from '../trainer-events.js'
import {FINAL_JSON_MAX_BYTES, type ValidationReport} from '../validate-outputs.js'
import type {Execution} from './executor-choice.js'
import type {OfficialPlan} from './official-plan.js'
import type {TrainResult} from './types.js'

/**
 * The run's record, RUN/run.json (src/contracts/run-manifest.ts): the manifest of a new attempt, how
 * an attempt's end is judged (exit code, OOM kill, interruption), the post-run checks applied, and
 * what `train()` returns.
 */

export interface StartRecordInputs {
  recipe: ScaleRecipe
  track: string
  data: TrainingDataFacts
  dataDir: string
  execution: Execution
  infra: InfraPlan
  threads: number
  gpus: number
  memoryBytes: number | null
  maxSteps: number | undefined
  previous: RunManifest | undefined
  /** The official-scale plan (null for tiny). */
  official: OfficialPlan | null
}

/** The manifest of a run whose new attempt starts now (the earlier attempts kept). */
export function startRecord(inputs: StartRecordInputs): {manifest: RunManifest; attempt: RunAttempt} {
  const {recipe, execution, previous, data} = inputs
  const attempt: RunAttempt = {
    executor: execution.executor, image_digest: execution.imageDigest, started_at: new Date().toISOString(), finished_at: null, exit_code: null, oom_killed: false, resumed_from_step: null, last_step: null,
  }
  const manifest: RunManifest = {
    format: RUN_MANIFEST_FORMAT,
    benchmark: recipe.benchmark,
    scale: recipe.scale,
    track: inputs.track,
    recipe_hash: recipe.hash,
    subset_fingerprint: data.subsetFingerprint,
    subset_size: data.subsetSize,
    pool_index_sha256: data.poolIndexSha256,
    data_dir: inputs.dataDir,
    executor: execution.executor,
    image_digest: execution.imageDigest,
    image: execution.image,
    command: execution.command,
    infra: {...inputs.infra},
    threads: inputs.threads,
    gpus: inputs.gpus,
    memory_bytes: inputs.memoryBytes,
    max_steps: inputs.maxSteps ?? null,
    started_at: previous?.started_at ?? attempt.started_at,
    finished_at: null,
    exit_status: 'running',
    attempts: [...(previous?.attempts ?? []), attempt],
    steps: previous?.steps ?? null,
    steps_total: previous?.steps_total ?? null,
    final_loss: previous?.final_loss ?? null,
    validation: null,
    model: null,
    harness_version: harnessVersion(),
    pins: execution.pins,
    upstream_args: inputs.official?.upstreamArgs ?? null,
    smoke: inputs.official?.smoke ?? null,
  }
  return {manifest, attempt}
}

/** Records how the attempt ended (exit code, OOM kill, time). */
export function endAttempt(manifest: RunManifest, attempt: RunAttempt, outcome: ExecutorOutcome): void {
  attempt.exit_code = outcome.exitCode
  attempt.oom_killed = outcome.oomKilled
  attempt.finished_at = new Date().toISOString()
  manifest.finished_at = attempt.finished_at
}

/**
 * What a non-zero exit means, as the run's status and the one-line error `bench train` ends with: an
 * OOM kill and an interruption say how to resume, a trainer that refused its input is the user's to
 * fix (exit 2), anything else quotes the trainer's last words.
 */
export function failureOf(manifest: RunManifest, outcome: ExecutorOutcome, runDir: string, trainerSaid: string | undefined): {status: RunStatus; error: DcbError} {
  const stepText = manifest.steps === null ? '' : ` at step ${manifest.steps}${manifest.steps_total ? `/${manifest.steps_total}` : ''}`
  if (outcome.oomKilled) {
    const limit = manifest.memory_bytes ? ` (limit ${(manifest.memory_bytes / 2 ** 30).toFixed(1)} GiB)` : ''
    return {status: 'oom_killed', error: new DcbError('DCB_TRAIN_OOM', `${runDir}: the trainer was killed by the kernel's OOM killer${limit}${stepText}`, {
      suggestions: ['give it more memory (--memory) or fewer samples per device (--set per_device_batch_size=…), then run the same command to resume'],
    })}
  }
  if (outcome.stopped || outcome.exitCode === 143 || outcome.exitCode === 130) {
    return {status: 'interrupted', error: new DcbError('DCB_TRAIN_INTERRUPTED', `${runDir}: training stopped${stepText}; the trainer saved a checkpoint`, {
      suggestions: ['run the same bench train command to resume'],
    })}
  }
  if (outcome.exitCode === 2) {
    return {status: 'failed', error: new DcbError('DCB_TRAIN_INPUT', `${runDir}: the trainer refused its input: ${trainerSaid ?? 'no message'}`)}
  }
  return {status: 'failed', error: new DcbError('DCB_TRAIN_FAILED', `${runDir}: the trainer exited with code ${outcome.exitCode}${stepText}: ${trainerSaid ?? 'no output'}`, {
    suggestions: [`see ${join(runDir, 'logs/train.log')}; run the same command to resume from the last checkpoint`],
  })}
}

/**
 * The post-run checks' verdict in the manifest: status, problems, the trainer's final numbers, and —
 * for outputs that passed — the sha256 of every model file (what `bench submit` binds the scores to).
 */
export async function recordReport(manifest: RunManifest, report: ValidationReport, runDir: string): Promise<void> {
  applyReport(manifest, report)
  if (report.ok) manifest.model = await hashModelFolder(join(runDir, 'model'))
}

function applyReport(manifest: RunManifest, report: ValidationReport): void {
  manifest.validation = {ok: report.ok, problems: report.problems}
  if (report.final) {
    manifest.steps = report.final.steps
    manifest.steps_total = report.final.steps_total
    if (typeof report.final.final_loss === 'number') manifest.final_loss = report.final.final_loss
  }
  manifest.exit_status = !report.ok ? 'invalid_outputs' : report.final?.complete ? 'complete' : 'stopped_at_max_steps'
  if (report.ok && manifest.exit_status === 'complete') manifest.max_steps = null
}

/** The outputs were rejected: the first problem as the error, the next few as hints. */
export function outputsError(report: ValidationReport): DcbError {
  return new DcbError('DCB_TRAIN_OUTPUTS', report.problems[0] as string, {
    suggestions: [...report.problems.slice(1, 4), 'the run directory is left as it is; fix the trainer or image and run the same command again'],
  })
}

/**
 * RUN/final.json when the trainer wrote it (it does so last); undefined when it did not, or left
 * something else there (a link, a FIFO: the post-run checks name it).
 */
export function readFinal(runDir: string): FinalJson | undefined {
  try {
    return JSON.parse(readFileInsideSync(runDir, 'final.json', FINAL_JSON_MAX_BYTES).toString('utf8')) as FinalJson
  } catch {
    return undefined
  }
}

/**
 * A run finished by a dcbench before run.json version 2 names no model files: record them now (the
 * folder is the one the post-run checks accepted), so the run can be submitted.
 */
export async function recordModelOfOldRun(runDir: string, manifest: RunManifest, notes: string[]): Promise<void> {
  manifest.model = await hashModelFolder(join(runDir, 'model'))
  manifest.format = RUN_MANIFEST_FORMAT
  await writeRunManifest(runDir, manifest)
  notes.push(`${join(runDir, 'run.json')}: recorded the sha256 of the model files (run.json version 2)`)
}

export function resultOf(m: RunManifest, runDir: string, seconds: number, already: boolean, resumed: number | null, notes: string[]): TrainResult {
  return {
    run_dir: runDir, benchmark: m.benchmark, scale: m.scale, executor: m.executor, image: m.image, image_digest: m.image_digest, exit_status: m.exit_status,
    steps: m.steps, steps_total: m.steps_total, final_loss: m.final_loss, seconds, already_complete: already, resumed_from_step: resumed, notes,
  }
}
