import {existsSync} from 'node:fs'
import {join} from 'node:path'

import * as ort from 'onnxruntime-node'

import {readModelJson, type ModelJsonOf, type ModelKind} from '../contracts/model-json.js'
import {externalDataProblems} from '../contracts/onnx-external-data.js'
import {isDcbError} from '../errors.js'
import {loadLmModel, type LmModel} from '../eval/lm/model.js'

/**
 * The model-directory half of the post-run checks (docs/containers.md, "What the harness checks
 * after a run"), one function per model kind: model.json by its contract, every file it names
 * present, every ONNX graph loaded in onnxruntime-node and run once on a small input with the
 * contract's names and shapes and finite outputs. Each problem is one line naming the file.
 */

/** What a model check found: the model kind and the files model.json names. */
export interface ModelCheck {
  kind: ModelKind
  files: string[]
  /** The file of torch's reference outputs that model.json names, if any (src/runner/onnx-reference.ts). */
  reference?: string
}

/** model.json of a model kind, or undefined with the problem recorded. */
function readForCheck<K extends ModelKind>(dir: string, kind: K, problems: string[]): ModelJsonOf<K> | undefined {
  try {
    return readModelJson(dir, kind, {whenMissing: 'missing (the trainer exports the model there)'})
  } catch (error) {
    if (!isDcbError(error)) throw error
    problems.push(error.message)
    return undefined
  }
}

/** A CLIP model directory: model.json, both towers loaded and run on two images and two captions. */
export async function checkClipModel(dir: string, problems: string[]): Promise<ModelCheck | undefined> {
  const meta = readForCheck(dir, 'clip', problems)
  if (!meta) return undefined
  const files = modelFiles([meta.onnx.image, meta.onnx.text, meta.tokenizer.file], meta.onnx_external_data)
  if (!requireFiles(dir, join(dir, 'model.json'), files, problems)) return {kind: 'clip', files}
  if (!externalDataInside(dir, [meta.onnx.image, meta.onnx.text], meta.onnx_external_data, problems)) return {kind: 'clip', files}
  const size = meta.image_size
  const image = new Float32Array(2 * 3 * size * size).map((_, i) => Math.sin(i) * 0.5)
  await checkGraph(join(dir, meta.onnx.image), 'image', new ort.Tensor('float32', image, [2, 3, size, size]), 'image_features', [2, meta.embed_dim], problems)
  const text = new BigInt64Array(2 * 77)
  // SOT, a few words, EOT (the highest id), zero padding — as the CLIP tokenizer writes them
  text.set([49406n, 320n, 1746n, 49407n], 0)
  text.set([49406n, 320n, 49407n], 77)
  await checkGraph(join(dir, meta.onnx.text), 'text', new ort.Tensor('int64', text, [2, 77]), 'text_features', [2, meta.embed_dim], problems)
  return {kind: 'clip', files, ...(meta.reference === undefined ? {} : {reference: meta.reference})}
}

/** An LM model directory: model.json, the graph loaded and run on two short rows. */
export async function checkLmModel(dir: string, problems: string[]): Promise<ModelCheck | undefined> {
  const file = join(dir, 'model.json')
  const meta = readForCheck(dir, 'lm', problems)
  if (!meta) return undefined
  const graphs = [meta.onnx.model, ...(meta.onnx.with_past ? [meta.onnx.with_past.model] : [])]
  const files = modelFiles([meta.onnx.model, meta.tokenizer, ...graphs.slice(1)], meta.onnx_external_data)
  if (!requireFiles(dir, file, files, problems)) return {kind: 'lm', files}
  if (!externalDataInside(dir, graphs, meta.onnx_external_data, problems)) return {kind: 'lm', files}
  const seq = Math.min(8, meta.seq_len)
  const ids = new BigInt64Array(2 * seq).map((_, i) => BigInt((i * 7919 + 13) % meta.vocab_size))
  await checkGraph(join(dir, meta.onnx.model), 'input_ids', new ort.Tensor('int64', ids, [2, seq]), 'logits', [2, seq, meta.vocab_size], problems)
  if (meta.onnx.with_past && problems.length === 0) await checkWithPast(dir, ids, seq, problems)
  return {kind: 'lm', files, ...(meta.reference === undefined ? {} : {reference: meta.reference})}
}

/** The with-past graph on a prefix and then the rest must give the plain graph's logits (≤ 1e-4). */
async function checkWithPast(dir: string, ids: BigInt64Array, seq: number, problems: string[]): Promise<void> {
  let model: LmModel | undefined
  try {
    model = await loadLmModel(dir, {threads: 1})
    const graph = model.withPast!
    const plain = await model.logits(ids, 2, seq)
    const cut = Math.ceil(seq / 2)
    const rows = (from: number, to: number): BigInt64Array => BigInt64Array.from([...ids.subarray(from, to), ...ids.subarray(seq + from, seq + to)])
    const first = await graph.run(rows(0, cut), 2, cut, null)
    // the rest's positions asked for in reverse: a graph with `positions` must return them in the order asked
    const reversed = Array.from({length: 2 * (seq - cut)}, (_, i) => 2 * (seq - cut) - 1 - i)
    const rest = await graph.run(rows(cut, seq), 2, seq - cut, first.present, reversed)
    const vocab = model.meta.vocab_size
    let worst = 0
    for (let r = 0; r < 2; r++) {
      for (let t = 0; t < seq; t++) {
        const got = t < cut ? first.logits.subarray((r * cut + t) * vocab) : rest.logits.subarray(reversed.indexOf(r * (seq - cut) + t - cut) * vocab)
        for (let v = 0; v < vocab; v++) {
          const diff = Math.abs(got[v]! - plain[(r * seq + t) * vocab + v]!)
          if (!(diff <= worst)) worst = Number.isNaN(diff) ? Infinity : diff
        }
      }
    }
    if (!(worst <= 1e-4)) problems.push(`${join(dir, model.meta.onnx.with_past!.model)}: its logits on a prefix and then the rest differ from ${model.meta.onnx.model}'s by ${worst} (tolerance 1e-4)`)
  } catch (error) {
    problems.push(isDcbError(error) ? error.message : `${dir}: the with-past graph failed (${(error as Error).message.split('\n')[0]})`)
  } finally {
    await model?.release()
  }
}

/** The files model.json names, each once: an LM's two graphs name the same shared `weights.bin`. */
function modelFiles(named: string[], externalData: Record<string, string> | undefined): string[] {
  return [...new Set([...named, ...Object.values(externalData ?? {})])]
}

/** Every graph reads external data only from the file model.json names for it, inside the folder (before onnxruntime opens it). */
function externalDataInside(dir: string, graphs: string[], externalData: Record<string, string> | undefined, problems: string[]): boolean {
  const found = graphs.flatMap((graph) => {
    try {
      return externalDataProblems(dir, graph, externalData?.[graph])
    } catch (error) {
      if (!isDcbError(error)) throw error
      return [error.message]
    }
  })
  problems.push(...found)
  return found.length === 0
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

