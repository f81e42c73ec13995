import {existsSync} from 'node:fs'
import {join} from 'node:path'

import * as ort from 'onnxruntime-node'

import {hashModelFolder} from '../../contracts/model-folder.js'
import {readModelJson, type LmModelJson} from '../../contracts/model-json.js'
import {assertExternalDataInside} from '../../contracts/onnx-external-data.js'
import {DcbError} from '../../errors.js'
import {assertDeviceAvailable} from '../cuda-provider.js'
import {loadTokenizer, type TextTokenizer} from '../../tokenizers/index.js'

/** Where inference runs. */
export type LmDevice = 'cpu' | 'cuda'

export interface LoadLmModelOptions {
  device?: LmDevice
  /** onnxruntime intra-op threads (default: its own choice, all cores). */
  threads?: number
  /** Load model.json's with-past graph when it names one (default true); false keeps the plain reference path only. */
  withPast?: boolean
}

/**
 * Keys and values of a batch's past, as the with-past graph takes and returns them: for each layer a
 * key and a value array, [batch, heads, length, headDim] row-major, in the order key 0, value 0, key 1, …
 */
export interface PastKv {
  batch: number
  length: number
  heads: number
  headDim: number
  arrays: Float32Array[]
}

/** The with-past graph (model.json `onnx.with_past`, docs/contracts.md). */
export interface LmWithPast {
  layers: number
  heads: number
  headDim: number
  /**
   * Whether the graph takes `positions` (model.json `onnx.with_past.positions`): then the vocabulary head
   * runs only at the positions asked for, the saving scoring is after.
   */
  positions: boolean
  /**
   * Logits of `seq` new tokens per row on top of `past` (null: no past) and the present keys/values
   * (past followed by the new tokens'). `ids` is [batch, seq] row-major. With `positions` (flat indices
   * r·seq + j into the new tokens, at least one): only the logits at those positions, in that order
   * ([n, vocab_size]) — computed only there by a graph that takes positions, cut from all of them by one
   * that does not.
   */
  run(ids: BigInt64Array, batch: number, seq: number, past: PastKv | null, positions?: readonly number[]): Promise<{logits: Float32Array; present: PastKv}>
}

/** A loaded LM: its ONNX session, tokenizer and metadata. */
export interface LmModel {
  dir: string
  meta: LmModelJson
  /** The model hash of the whole folder (src/contracts/model-folder.ts): what eval outputs record. */
  hash: string
  device: LmDevice
  tokenizer: TextTokenizer
  /**
   * Logits of a batch of equal-length rows: `ids` is [batch, seq] row-major; returns a
   * Float32Array [batch, seq, vocab_size].
   */
  logits(ids: BigInt64Array, batch: number, seq: number): Promise<Float32Array>
  /** The with-past graph when model.json names one and it was not turned off (LoadLmModelOptions.withPast). */
  withPast?: LmWithPast
  release(): Promise<void>
}

/** Loads `RUN/model/` (kind "lm"); every problem is a one-line DcbError naming the file. */
export async function loadLmModel(dir: string, options: LoadLmModelOptions = {}): Promise<LmModel> {
  assertDeviceAvailable(options.device ?? 'cpu')
  const metaFile = join(dir, 'model.json')
  const meta = readModelJson(dir, 'lm')
  const onnxFile = join(dir, meta.onnx.model)
  const tokenizerFile = join(dir, meta.tokenizer)
  const files = [onnxFile, tokenizerFile, ...(meta.onnx.with_past && options.withPast !== false ? [join(dir, meta.onnx.with_past.model)] : [])]
  for (const file of files) if (!existsSync(file)) throw new DcbError('DCB_MODEL_DIR', `${file}: file not found (named by ${metaFile})`)
  const pastMeta = options.withPast === false ? undefined : meta.onnx.with_past
  assertExternalDataInside(dir, [meta.onnx.model, ...(pastMeta ? [pastMeta.model] : [])], meta.onnx_external_data)
  const tokenizer = loadTokenizer(tokenizerFile)
  const hash = (await hashModelFolder(dir)).sha256
  const device = options.device ?? 'cpu'
  const session = await openSession(onnxFile, device, options.threads)
  if (!session.inputNames.includes('input_ids') || !session.outputNames.includes('logits')) {
    throw new DcbError('DCB_MODEL_DIR', `${onnxFile}: expected input 'input_ids' and output 'logits', found inputs [${session.inputNames.join(', ')}] outputs [${session.outputNames.join(', ')}]`)
  }
  const past = pastMeta ? await openSession(join(dir, pastMeta.model), device, options.threads) : undefined
  const withPast = past && pastMeta ? withPastGraph(past, join(dir, pastMeta.model), pastMeta, meta.vocab_size) : undefined
  return {
    dir,
    meta,
    hash,
    device,
    tokenizer,
    async logits(ids, batch, seq) {
      const out = await session.run({input_ids: new ort.Tensor('int64', ids, [batch, seq])}, ['logits'])
      const logits = out.logits!
      const dims = logits.dims
      if (dims.length !== 3 || dims[0] !== batch || dims[1] !== seq || dims[2] !== meta.vocab_size) {
        throw new DcbError('DCB_MODEL_DIR', `${onnxFile}: logits have shape [${dims.join(', ')}], expected [${batch}, ${seq}, ${meta.vocab_size}] (model.json vocab_size)`)
      }
      return logits.data as Float32Array
    },
    ...(withPast ? {withPast} : {}),
    async release() {
      await session.release()
      await past?.release()
    },
  }
}

async function openSession(file: string, device: LmDevice, threads: number | undefined): Promise<ort.InferenceSession> {
  if (!existsSync(file)) throw new DcbError('DCB_MODEL_DIR', `${file}: file not found (named by model.json)`)
  try {
    return await ort.InferenceSession.create(file, {
      executionProviders: device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
      graphOptimizationLevel: 'all',
      ...(threads === undefined ? {} : {intraOpNumThreads: threads}),
      // not spinning (as the CLIP sessions): on a shared or busy CPU, waiting threads that spin take
      // the cores the other threads need, and the LM's many small calls (one per generated token) wait often
      extra: {session: {intra_op: {allow_spinning: '0'}}},
    })
  } catch (error) {
    const message = `${file}: onnxruntime cannot load it: ${(error as Error).message.split('\n')[0]}`
    if (device === 'cuda') throw new DcbError('DCB_NO_CUDA', message)
    throw new DcbError('DCB_MODEL_DIR', message)
  }
}

/** Checks the with-past graph's names against model.json and wraps it; shape errors name the file. */
function withPastGraph(session: ort.InferenceSession, file: string, meta: NonNullable<LmModelJson['onnx']['with_past']>, vocab: number): LmWithPast {
  const {layers, kv_heads: heads, head_dim: headDim} = meta
  const pastNames = Array.from({length: layers}, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat()
  const presentNames = Array.from({length: layers}, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat()
  const positions = meta.positions === true
  const inputs = ['input_ids', ...(positions ? ['positions'] : []), ...pastNames]
  const outputs = ['logits', ...presentNames]
  if (JSON.stringify([...session.inputNames].sort()) !== JSON.stringify([...inputs].sort()) || !outputs.every((n) => session.outputNames.includes(n))) {
    throw new DcbError('DCB_MODEL_DIR', `${file}: expected inputs [input_ids, ${positions ? 'positions, ' : ''}past_key_values.{0..${layers - 1}}.key/value] and outputs [logits, present.{0..${layers - 1}}.key/value] (model.json onnx.with_past.layers ${layers}, positions ${positions}), found inputs [${session.inputNames.join(', ')}] outputs [${session.outputNames.join(', ')}]`)
  }
  return {
    layers,
    heads,
    headDim,
    positions,
    async run(ids, batch, seq, past, at) {
      const length = past?.length ?? 0
      if (past && (past.batch !== batch || past.arrays.length !== 2 * layers)) throw new Error(`past of ${past.batch} rows × ${past.arrays.length} arrays for a batch of ${batch} (a bug)`)
      if (at && (at.length === 0 || at.some((p) => !Number.isInteger(p) || p < 0 || p >= batch * seq))) throw new Error(`positions [${at.join(', ')}] outside the ${batch} × ${seq} new tokens (a bug)`)
      const feeds: Record<string, ort.Tensor> = {input_ids: new ort.Tensor('int64', ids, [batch, seq])}
      pastNames.forEach((name, i) => {
        feeds[name] = new ort.Tensor('float32', past ? past.arrays[i]! : new Float32Array(0), [batch, heads, length, headDim])
      })
      // a graph with the input always gets it (all positions when none are asked for)
      const wanted = positions ? (at ?? Array.from({length: batch * seq}, (_, i) => i)) : undefined
      if (wanted) feeds.positions = new ort.Tensor('int64', BigInt64Array.from(wanted, BigInt), [wanted.length])
      const out = await session.run(feeds, outputs)
      const logits = out.logits!
      const shape = wanted ? [wanted.length, vocab] : [batch, seq, vocab]
      if (logits.dims.join() !== shape.join()) {
        throw new DcbError('DCB_MODEL_DIR', `${file}: logits have shape [${logits.dims.join(', ')}], expected [${shape.join(', ')}]`)
      }
      const arrays = presentNames.map((name) => {
        const t = out[name]!
        if (t.type !== 'float32' || t.dims.join() !== [batch, heads, length + seq, headDim].join()) {
          throw new DcbError('DCB_MODEL_DIR', `${file}: ${name} is ${t.type} [${t.dims.join(', ')}], expected float32 [${batch}, ${heads}, ${length + seq}, ${headDim}] (model.json onnx.with_past)`)
        }
        return t.data as Float32Array
      })
      const data = logits.data as Float32Array
      return {logits: at && !positions ? gatherRows(data, at, vocab) : data, present: {batch, length: length + seq, heads, headDim, arrays}}
    },
  }
}

/** Rows `at` of a [rows, vocab] array, in that order (positions for a graph that computes them all). */
function gatherRows(data: Float32Array, at: readonly number[], vocab: number): Float32Array {
  const out = new Float32Array(at.length * vocab)
  at.forEach((p, i) => out.set(data.subarray(p * vocab, (p + 1) * vocab), i * vocab))
  return out
}
