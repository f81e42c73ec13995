import {join} from 'node:path'

import {getBenchmark} from '../benchmarks/registry.js'
import {DcbError, isDcbError} from '../errors.js'
import {recordOnnxCheck} from '../contracts/model-json.js'
import {checkTreeInside, readFileInsideSync, UnsafePathError} from '../util/no-follow.js'
import {checkOnnxReference} from './onnx-reference.js'
import type {FinalJson, StepMetrics} from './trainer-events.js'

/**
 * The harness's checks after a run (docs/containers.md, "What the harness checks after a run"):
 * `final.json`, `metrics.jsonl` and `model/` — every ONNX graph loaded in onnxruntime-node and run
 * once on a small input, with the contract's names and shapes and finite outputs. Each problem is one
 * line naming the file. The trainer is not trusted: a link, FIFO or oversized file it left in place of
 * an output is a problem, never followed, waited on or read whole (src/util/no-follow.ts).
 */

export interface ValidateOutputsOptions {
  runDir: string
  benchmark: string
  scale: string
  recipeHash: string
  /** When the run was stopped by --max-steps: final.json may be incomplete at exactly this step. */
  maxSteps?: number
}

export interface ValidationReport {
  ok: boolean
  /** One line per problem, each naming its file. */
  problems: string[]
  final?: FinalJson
  /** Last metrics line. */
  lastMetrics?: StepMetrics
  model?: {kind: string; files: string[]}
}

/** The most final.json and metrics.jsonl may hold: far above what any recipe's run writes (one line per logged step). */
export const FINAL_JSON_MAX_BYTES = 1 << 20
const METRICS_MAX_BYTES = 64 << 20

/**
 * A file the trainer wrote, read without following a link or waiting on a FIFO it left instead
 * (src/util/no-follow.ts); undefined with the problem recorded when it is missing or refused.
 */
function readOutput(runDir: string, name: string, maxBytes: number, problems: string[], whenMissing: string): string | undefined {
  try {
    return readFileInsideSync(runDir, name, maxBytes).toString('utf8')
  } catch (error) {
    if (error instanceof UnsafePathError) problems.push(error.message)
    else if ((error as NodeJS.ErrnoException).code === 'ENOENT') problems.push(`${join(runDir, name)}: ${whenMissing}`)
    else problems.push(`${join(runDir, name)}: cannot read (${(error as NodeJS.ErrnoException).code})`)
    return undefined
  }
}

export async function validateOutputs(options: ValidateOutputsOptions): Promise<ValidationReport> {
  const problems: string[] = []
  const finalFile = join(options.runDir, 'final.json')
  let final: FinalJson | undefined
  const finalText = readOutput(options.runDir, 'final.json', FINAL_JSON_MAX_BYTES, problems, 'missing (the trainer writes it last)')
  if (finalText !== undefined) {
    try {
      final = JSON.parse(finalText) as FinalJson
    } catch {
      problems.push(`${finalFile}: not valid JSON`)
    }
  }
  if (final) {
    for (const [field, want] of [['benchmark', options.benchmark], ['scale', options.scale], ['recipe_hash', options.recipeHash]] as const) {
      if (final[field] !== want) problems.push(`${finalFile}: ${field} is ${JSON.stringify(final[field])}, expected ${JSON.stringify(want)}`)
    }
    if (final.complete !== true) {
      if (options.maxSteps === undefined) problems.push(`${finalFile}: complete is ${JSON.stringify(final.complete)}; the run did not finish`)
      else if (final.steps !== options.maxSteps) problems.push(`${finalFile}: stopped at step ${final.steps}, expected --max-steps ${options.maxSteps}`)
    } else if (final.steps !== final.steps_total) {
      problems.push(`${finalFile}: complete with ${final.steps} of ${final.steps_total} steps`)
    }
  }

  const metricsFile = join(options.runDir, 'metrics.jsonl')
  let lastMetrics: StepMetrics | undefined
  const metricsText = readOutput(options.runDir, 'metrics.jsonl', METRICS_MAX_BYTES, problems, 'missing')
  if (metricsText !== undefined) {
    const lines = metricsText.split('\n')
    let previous = 0
    for (const [i, line] of lines.entries()) {
      if (line.trim() === '') continue
      let row: StepMetrics
      try {
        row = JSON.parse(line) as StepMetrics
      } catch {
        problems.push(`${metricsFile}:${i + 1}: not valid JSON`)
        break
      }
      if (typeof row.step !== 'number' || row.step <= previous) {
        problems.push(`${metricsFile}:${i + 1}: step ${JSON.stringify(row.step)} after ${previous}; steps must strictly increase`)
        break
      }
      if (typeof row.loss !== 'number' || !Number.isFinite(row.loss)) {
        problems.push(`${metricsFile}:${i + 1}: loss ${JSON.stringify(row.loss)} is not a finite number`)
        break
      }
      previous = row.step
      lastMetrics = row
    }
    // upstream trainers log every N steps (open_lm never logs its last one): the last row is within N
    const every = typeof final?.metrics_every_n_steps === 'number' && final.metrics_every_n_steps > 0 ? final.metrics_every_n_steps : 1
    if (final && lastMetrics && (lastMetrics.step > final.steps || final.steps - lastMetrics.step >= every)) {
      problems.push(`${metricsFile}: last step ${lastMetrics.step}, but final.json says ${final.steps}${every > 1 ? ` (logged every ${every} steps)` : ''}`)
    }
    if (final && !lastMetrics && final.steps > 0) problems.push(`${metricsFile}: no steps logged, but final.json says ${final.steps}`)
  }

  const modelDir = join(options.runDir, 'model')
  const training = getBenchmark(options.benchmark).training
  if (!training) throw new DcbError('DCB_NOT_AVAILABLE', `benchmark '${options.benchmark}' has no trainer, so no run outputs to check`)
  // Only real folders and regular files: the model checks and onnxruntime then open paths the trainer
  // cannot redirect any more (its container is gone).
  const safeModel = modelTreeProblem(options.runDir, problems)
  const checked = safeModel ? await training.checkModel(modelDir, problems) : undefined
  if (checked?.reference !== undefined && problems.length === 0) await checkReference(modelDir, checked.reference, problems)
  const model = checked && {kind: checked.kind, files: checked.files}
  return {ok: problems.length === 0, problems, final, lastMetrics, model}
}

/** False, with the problem recorded, when RUN/model holds a link, a FIFO or the like, or is one. */
function modelTreeProblem(runDir: string, problems: string[]): boolean {
  try {
    checkTreeInside(runDir, 'model')
    return true
  } catch (error) {
    if (!(error instanceof UnsafePathError)) throw error
    problems.push(error.message)
    return false
  }
}

/**
 * When model.json names a `reference` file (torch's outputs on recorded inputs, written by the tiny
 * trainers and the official images' export), every graph must reproduce them in onnxruntime-node within
 * its tolerance; the differences are recorded in model.json (`onnx_check`).
 */
async function checkReference(modelDir: string, reference: string, problems: string[]): Promise<void> {
  try {
    await recordOnnxCheck(modelDir, await checkOnnxReference(modelDir, reference))
  } catch (error) {
    if (!isDcbError(error)) throw error
    problems.push(error.message)
  }
}
