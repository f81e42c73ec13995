import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import * as ort from 'onnxruntime-node'
import {z} from 'zod'

import {ClipModelJson} from '../eval/clip/model.js'
import {isDcbError} from '../errors.js'
import {describeZodError} from '../util/zod-issue.js'
import {checkOnnxReference} from './onnx-reference.js'
import type {FinalJson, StepMetrics} from './trainer-events.js'

/**
 * The harness's checks after a run (docs/containers.md, "What the harness checks after a run"):
 * `final.json`, `metrics.jsonl` and `model/` — every ONNX graph loaded in onnxruntime-node and run
 * once on a small input, with the contract's names and shapes and finite outputs. Each problem is one
 * line naming the file.
 */

/** `model.json` of an LM model directory (docs/contracts.md). */
export const LmModelJson = z.looseObject({
  kind: z.literal('lm'),
  benchmark: z.string().optional(),
  scale: z.string().optional(),
  model: z.string(),
  vocab_size: z.int().positive(),
  seq_len: z.int().positive(),
  eot_token_id: z.int().nonnegative(),
  pad_token_id: z.int().nonnegative().nullable().optional(),
  tokenizer: z.string(),
  onnx: z.looseObject({model: z.string()}),
})

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
  model?: {kind: 'clip' | 'lm'; files: string[]}
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
    if (final && lastMetrics && lastMetrics.step !== final.steps) problems.push(`${metricsFile}: last step ${lastMetrics.step}, but final.json says ${final.steps}`)
    if (final && !lastMetrics && final.steps > 0) problems.push(`${metricsFile}: no steps logged, but final.json says ${final.steps}`)
  }

  const modelDir = join(options.runDir, 'model')
  const model = await checkModelDir(modelDir, options.benchmark, problems)
  if (model && problems.length === 0) await checkReference(modelDir, problems)
  return {ok: problems.length === 0, problems, final, lastMetrics, model}
}

async function checkModelDir(dir: string, benchmark: string, problems: string[]): Promise<ValidationReport['model']> {
  const file = join(dir, 'model.json')
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    problems.push(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing (the trainer exports the model there)' : 'not valid JSON'}`)
    return undefined
  }
  if (benchmark === 'datacomp') {
    const parsed = ClipModelJson.safeParse(raw)
    if (!parsed.success) {
      problems.push(`${file}: ${describeZodError(parsed.error)}; expected a CLIP model.json (docs/contracts.md)`)
      return undefined
    }
    const meta = parsed.data
    const files = [meta.onnx.image, meta.onnx.text, meta.tokenizer.file]
    if (!requireFiles(dir, file, files, problems)) return {kind: 'clip', files}
    const size = meta.image_size
    const image = new Float32Array(2 * 3 * size * size).map((_, i) => Math.sin(i) * 0.5)
    await checkGraph(join(dir, meta.onnx.image), 'image', new ort.Tensor('float32', image, [2, 3, size, size]), 'image_features', [2, meta.embed_dim], problems)
    const text = new BigInt64Array(2 * 77)
    // SOT, a few words, EOT (the highest id), zero padding — as the CLIP tokenizer writes them
    text.set([49406n, 320n, 1746n, 49407n], 0)
    text.set([49406n, 320n, 49407n], 77)
    await checkGraph(join(dir, meta.onnx.text), 'text', new ort.Tensor('int64', text, [2, 77]), 'text_features', [2, meta.embed_dim], problems)
    return {kind: 'clip', files}
  }
  const parsed = LmModelJson.safeParse(raw)
  if (!parsed.success) {
    problems.push(`${file}: ${describeZodError(parsed.error)}; expected an LM model.json (docs/contracts.md)`)
    return undefined
  }
  const meta = parsed.data
  const files = [meta.onnx.model, meta.tokenizer]
  if (!requireFiles(dir, file, files, problems)) return {kind: 'lm', files}
  const seq = Math.min(8, meta.seq_len)
  const ids = new BigInt64Array(2 * seq).map((_, i) => BigInt((i * 7919 + 13) % meta.vocab_size))
  await checkGraph(join(dir, meta.onnx.model), 'input_ids', new ort.Tensor('int64', ids, [2, seq]), 'logits', [2, seq, meta.vocab_size], problems)
  return {kind: 'lm', files}
}

function requireFiles(dir: string, modelJson: string, files: string[], problems: string[]): boolean {
  let ok = true
  for (const name of files) {
    if (!existsSync(join(dir, name))) {
      problems.push(`${join(dir, name)}: missing; ${modelJson} names it`)
      ok = false
    }
  }
  return ok
}

async function checkGraph(file: string, input: string, tensor: ort.Tensor, output: string, shape: number[], problems: string[]): Promise<void> {
  let session: ort.InferenceSession
  try {
    session = await ort.InferenceSession.create(file, {executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1})
  } catch (error) {
    problems.push(`${file}: onnxruntime cannot load it (${(error as Error).message.split('\n')[0]})`)
    return
  }
  try {
    if (!session.inputNames.includes(input)) {
      problems.push(`${file}: inputs [${session.inputNames.join(', ')}], expected '${input}'`)
      return
    }
    if (!session.outputNames.includes(output)) {
      problems.push(`${file}: outputs [${session.outputNames.join(', ')}], expected '${output}'`)
      return
    }
    let result: ort.Tensor | undefined
    try {
      result = (await session.run({[input]: tensor}))[output]
    } catch (error) {
      problems.push(`${file}: forward pass on a [${tensor.dims.join(', ')}] '${input}' failed (${(error as Error).message.split('\n')[0]})`)
      return
    }
    if (!result || result.type !== 'float32' || result.dims.join(',') !== shape.join(',')) {
      problems.push(`${file}: '${output}' is ${result ? `${result.type} [${result.dims.join(', ')}]` : 'missing'}, expected float32 [${shape.join(', ')}]`)
      return
    }
    const data = result.data as Float32Array
    const bad = data.findIndex((v) => !Number.isFinite(v))
    if (bad >= 0) problems.push(`${file}: '${output}' has a non-finite value (${data[bad]}) at index ${bad}`)
  } finally {
    await session.release()
  }
}

/**
 * When model.json names a `reference` file (torch's outputs on recorded inputs, written by the tiny
 * trainers), every graph must reproduce them in onnxruntime-node within its tolerance.
 */
async function checkReference(modelDir: string, problems: string[]): Promise<void> {
  const meta = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as {reference?: unknown}
  if (typeof meta.reference !== 'string') return
  try {
    await checkOnnxReference(modelDir, meta.reference)
  } catch (error) {
    if (!isDcbError(error)) throw error
    problems.push(error.message)
  }
}
