import {existsSync} from 'node:fs'
import {availableParallelism, totalmem} from 'node:os'
import {resolve} from 'node:path'

import {getBenchmark} from '../../benchmarks/registry.js'
import {writeRunManifest} from '../../contracts/run-manifest.js'
import {DcbError} from '../../errors.js'
import {getRecipe} from '../../tracks/registry.js'
import type {ExecutorOutcome} from '../executors/types.js'
import {validateOutputs} from '../validate-outputs.js'
import {chooseExecution} from './executor-choice.js'
import {TrainerFollower} from './follow.js'
import {launchAttempt} from './launch.js'
import {requireGpus} from '../gpus.js'
import {trainInfrastructure, usesOfficialTrainer} from './infrastructure.js'
import {officialPlan} from './official-plan.js'
import {endAttempt, failureOf, outputsError, readFinal, recordModelOfOldRun, recordReport, resultOf, startRecord} from './record.js'
import {discardNewRunFolder, prepareRunFolder, previousRun} from './run-folder.js'
import {officialSubmissionRefused} from '../slurm/official-script.js'
import type {TrainOptions, TrainResult} from './types.js'

export {LABELS, TINY_TRAINER_COMMAND} from './executor-choice.js'
export {planTrain, type TrainPlan} from './plan.js'
export {recipeGpus, trainInfrastructure, usesOfficialTrainer} from './infrastructure.js'
export type {ExecutorChoice, TrainOptions, TrainProgressEvent, TrainResult} from './types.js'

/**
 * `bench train`: runs a scale's frozen recipe on resharded data in a container (or on the host's
 * python3) under the contract of docs/containers.md, and records the run in RUN/run.json. Running the
 * same command on the same RUN resumes it from the trainer's last checkpoint; on a finished run it
 * does nothing.
 *
 * The steps: prepare the run folder → choose the executor → launch → follow → check the outputs →
 * record run.json (which is also written when an attempt starts, so a crash of the harness leaves a
 * run that says `running`).
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const started = Date.now()
  const benchmark = getBenchmark(options.benchmark)
  const recipe = getRecipe({benchmark: options.benchmark, scale: options.scale, track: options.track, tracksDir: options.tracksDir})
  const training = benchmark.training
  if (!training) throw new DcbError('DCB_NOT_AVAILABLE', `benchmark '${benchmark.id}' has no trainer`)
  const track = options.track ?? 'filtering'
  const dataDir = resolve(options.dataDir)
  const runDir = resolve(options.runDir)
  // A refused split is a usage error to report before any file is read.
  const {infra, gpus} = trainInfrastructure(options, recipe)
  const official = usesOfficialTrainer(recipe) ? officialPlan(benchmark, recipe, infra, dataDir, options.smoke === true) : null
  if (official && options.executor === 'slurm') throw officialSubmissionRefused(recipe)
  const data = training.readData(dataDir, recipe)
  // on a cluster the nodes' cores are not this machine's: one CPU per trainer process unless told
  const threads = options.threads ?? (options.executor === 'slurm' ? infra.gpus_per_node : availableParallelism())
  const notes: string[] = []

  // 1. the run folder: new, or the same run to resume (a finished one is a no-op)
  const previous = await previousRun(runDir, recipe, data, official?.smoke !== null && official !== null)
  if (previous?.exit_status === 'complete' && (options.maxSteps === undefined || previous.max_steps === null)) {
    if (!previous.model) await recordModelOfOldRun(runDir, previous, notes)
    return resultOf(previous, runDir, 0, true, null, notes)
  }
  if (official && !official.smoke && options.image === undefined) await requireGpus(gpus, `${recipe.benchmark} ${recipe.scale}`)
  const folderExisted = existsSync(runDir)
  await prepareRunFolder(runDir, recipe, track, infra, official)

  // 2. the executor, its image and the trainer command
  let execution: Awaited<ReturnType<typeof chooseExecution>>
  try {
    execution = await chooseExecution({options, benchmark, recipe, infra, dataDir, runDir, official, notes})
  } catch (error) {
    // nothing ran (no Docker engine, no image, no python): a new run leaves no run folder behind
    if (!previous) await discardNewRunFolder(runDir, folderExisted)
    throw error
  }
  const memoryBytes = execution.executor === 'docker' ? (options.memoryBytes ?? Math.floor(totalmem() * 0.8)) : null
  const {manifest, attempt} = startRecord({recipe, track, data, dataDir, execution, infra, threads, gpus, memoryBytes, maxSteps: options.maxSteps, previous, official})
  // a SLURM job of this run that may still be queued or running: followed, not submitted again
  const reattachJobId = execution.executor === 'slurm' && previous?.exit_status === 'running' ? previous.attempts.at(-1)?.slurm_job_id ?? undefined : undefined
  await writeRunManifest(runDir, manifest)

  // 3–4. launch the trainer and follow it; skipped when it finished but the harness did not record it
  const follower = new TrainerFollower(manifest, attempt, options, threads)
  let outcome: ExecutorOutcome
  if (readFinal(runDir)?.complete === true) {
    outcome = {exitCode: 0, oomKilled: false, stopped: false}
  } else {
    try {
      outcome = await launchAttempt({options, execution, manifest, attempt, dataDir, runDir, follower, reattachJobId})
    } catch (error) {
      attempt.finished_at = new Date().toISOString()
      manifest.finished_at = attempt.finished_at
      manifest.exit_status = 'failed'
      await writeRunManifest(runDir, manifest)
      throw error
    }
  }
  endAttempt(manifest, attempt, outcome)
  if (outcome.exitCode !== 0) {
    const failure = failureOf(manifest, outcome, runDir, follower.failureText)
    manifest.exit_status = failure.status
    await writeRunManifest(runDir, manifest)
    throw failure.error
  }

  // 5. check the outputs
  options.onProgress?.({phase: 'validate'})
  const report = await validateOutputs({runDir, benchmark: recipe.benchmark, scale: recipe.scale, recipeHash: recipe.hash, maxSteps: options.maxSteps})

  // 6. record the verdict (and the model's files)
  await recordReport(manifest, report, runDir)
  await writeRunManifest(runDir, manifest)
  if (!report.ok) throw outputsError(report)
  return resultOf(manifest, runDir, (Date.now() - started) / 1000, false, attempt.resumed_from_step, notes)
}
