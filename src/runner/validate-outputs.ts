import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {getBenchmark} from '../benchmarks/registry.js'
import {DcbError, isDcbError} from '../errors.js'
import {recordOnnxCheck} from '../contracts/model-json.js'
import {checkOnnxReference} from './onnx-reference.js'
import type {FinalJson, StepMetrics} from './trainer-events.js'

/**
 * The harness's checks after a run (docs/containers.md, "What the harness checks after a run"):
 * `final.json`, `metrics.jsonl` and `model/` — every ONNX graph loaded in onnxruntime-node and run
 * once on a small input, with the contract's names and shapes and finite outputs. Each problem is one
 * line naming the file.
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

export async function validateOutputs(options: ValidateOutputsOptions): Promise<ValidationReport> {
  const problems: string[] = []
  const finalFile = join(options.runDir, 'final.json')
  let final: FinalJson | undefined
  try {
    final = JSON.parse(readFileSync(finalFile, 'utf8')) as FinalJson
  } catch (error) {
    problems.push(`${finalFile}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing (the trainer writes it last)' : 'not valid JSON'}`)
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
  if (!existsSync(metricsFile)) {
    problems.push(`${metricsFile}: missing`)
  } else {
    const lines = readFileSync(metricsFile, 'utf8').split('\n')
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
  const checked = await training.checkModel(modelDir, problems)
  if (checked?.reference !== undefined && problems.length === 0) await checkReference(modelDir, checked.reference, problems)
  const model = checked && {kind: checked.kind, files: checked.files}
  return {ok: problems.length === 0, problems, final, lastMetrics, model}
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
