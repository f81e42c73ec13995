import * as ort from 'onnxruntime-node'

import {DcbError} from '../errors.js'
import {createSession, type ClipDevice} from '../eval/clip/model.js'

/**
 * One ONNX tower (`bench embed --model`): what it reads is found from the graph's declared inputs,
 * so one flag serves a CLIP image tower, a CLIP text tower and a text-embedding model.
 *
 *   image: one float32 input [N, 3, S, S] (S fixed) — open_clip's eval transform at S (src/eval/clip/preprocess.ts)
 *   text:  int64/int32 inputs [N, L]: the token ids, and optionally `attention_mask` (1 for a token,
 *          0 for padding) and `token_type_ids` (zeros), recognised by name
 *
 * The first output is the embedding: [N, D] as it is (a CLIP tower pools inside the graph), or
 * [N, L, D] token states pooled here (`pooling`: mean over the tokens the mask marks, as
 * sentence-transformers' mean pooling; or `cls`, the first token).
 */

export type TowerInput = {kind: 'image'; imageSize: number} | {kind: 'text'; /** Fixed by the graph, or undefined (any length). */ contextLength: number | undefined}

export interface Tower {
  file: string
  input: TowerInput
  /** Embedding rows [n, dim] (not normalised) of an image batch ([n, 3, S, S] float32 pixels). */
  encodeImages(pixels: Float32Array, n: number): Promise<{features: Float32Array; dim: number}>
  /** Embedding rows of token rows ([n, L], `mask` 1 where a token is), pooled when the graph returns token states. */
  encodeTokens(ids: BigInt64Array, mask: BigInt64Array, n: number, length: number): Promise<{features: Float32Array; dim: number}>
  release(): Promise<void>
}

export type Pooling = 'mean' | 'cls'

export interface LoadTowerOptions {
  device?: ClipDevice
  threads?: number
  pooling?: Pooling
}

function towerError(file: string, problem: string): DcbError {
  return new DcbError('DCB_EMBED_MODEL', `model ${file}: ${problem}`, {
    suggestions: ['export one tower alone: an image input float32 [N, 3, S, S] or token ids int64 [N, L] (with attention_mask), and its embedding as the first output (docs/embeddings.md)'],
  })
}

function describe(meta: ort.InferenceSession.ValueMetadata): string {
  return meta.isTensor ? `'${meta.name}' ${meta.type} [${meta.shape.join(', ')}]` : `'${meta.name}' (not a tensor)`
}

/** What the graph's inputs say the tower reads; one line naming every input when it is neither kind. */
function inspectInputs(file: string, inputs: readonly ort.InferenceSession.ValueMetadata[]): TowerInput & {ids?: string; mask?: string; types?: string; intType?: 'int64' | 'int32'} {
  const neither = (): DcbError => towerError(file, `its inputs ${inputs.map(describe).join(', ') || '(none)'} are neither an image batch (float32 [N, 3, S, S]) nor token ids (int64 [N, L])`)
  const first = inputs[0]
  if (!first?.isTensor) throw neither()
  if (first.type === 'float32') {
    const [, channels, h, w] = first.shape
    if (inputs.length !== 1 || first.shape.length !== 4 || channels !== 3) throw neither()
    if (typeof h !== 'number' || h !== w) throw towerError(file, `image input ${describe(first)} has no fixed square size S; export it with a fixed [N, 3, S, S]`)
    return {kind: 'image', imageSize: h}
  }
  const tensors = inputs.filter((i): i is ort.InferenceSession.TensorValueMetadata => i.isTensor)
  if (tensors.length !== inputs.length || tensors.some((i) => (i.type !== 'int64' && i.type !== 'int32') || i.shape.length !== 2)) throw neither()
  const mask = tensors.find((i) => /mask/i.test(i.name))
  const types = tensors.find((i) => /token_type/i.test(i.name))
  const ids = tensors.filter((i) => i !== mask && i !== types)
  if (ids.length !== 1) throw neither()
  const length = (ids[0] as ort.InferenceSession.TensorValueMetadata).shape[1]
  return {kind: 'text', contextLength: typeof length === 'number' ? length : undefined, ids: ids[0]?.name, mask: mask?.name, types: types?.name, intType: first.type === 'int32' ? 'int32' : 'int64'}
}

/** Loads `file` with dcbench's onnxruntime session settings (the eval's createSession). */
export async function loadTower(file: string, options: LoadTowerOptions = {}): Promise<Tower> {
  let session: ort.InferenceSession
  try {
    session = await createSession(file, {device: options.device, threads: options.threads})
  } catch (error) {
    if (error instanceof DcbError && error.code === 'DCB_MODEL_DIR') throw towerError(file, error.message.replace(`${file}: `, '').replace('; model.json names it', ''))
    throw error
  }
  const input = inspectInputs(file, session.inputMetadata)
  const outputName = session.outputNames[0]
  if (!outputName) throw towerError(file, 'it has no output')
  const pooling = options.pooling ?? 'mean'

  const output = (out: ort.InferenceSession.ReturnType, n: number, mask?: BigInt64Array, length?: number): {features: Float32Array; dim: number} => {
    const tensor = out[outputName]
    const bad = (): DcbError => towerError(file, `output '${outputName}' is ${tensor ? `${tensor.type} [${tensor.dims.join(', ')}]` : 'missing'}; expected float32 [${n}, D] or [${n}, L, D]`)
    if (!tensor || tensor.type !== 'float32' || tensor.dims[0] !== n) throw bad()
    const data = tensor.data as Float32Array
    if (tensor.dims.length === 2) return {features: data, dim: tensor.dims[1] as number}
    if (tensor.dims.length !== 3 || !mask || tensor.dims[1] !== length) throw bad()
    const dim = tensor.dims[2] as number
    const L = length as number
    const features = new Float32Array(n * dim)
    for (let r = 0; r < n; r++) {
      if (pooling === 'cls') {
        features.set(data.subarray(r * L * dim, r * L * dim + dim), r * dim)
        continue
      }
      // mean pooling in float64, then float32: masked positions are left out entirely
      const sum = new Float64Array(dim)
      let count = 0
      for (let t = 0; t < L; t++) {
        if (mask[r * L + t] === 0n) continue
        count++
        const at = (r * L + t) * dim
        for (let j = 0; j < dim; j++) sum[j]! += data[at + j] as number
      }
      for (let j = 0; j < dim; j++) features[r * dim + j] = (sum[j] as number) / Math.max(count, 1)
    }
    return {features, dim}
  }

  return {
    file,
    input: input.kind === 'image' ? {kind: 'image', imageSize: input.imageSize} : {kind: 'text', contextLength: input.contextLength},
    async encodeImages(pixels, n) {
      if (input.kind !== 'image') throw new Error('encodeImages on a text tower')
      const size = input.imageSize
      const feeds = {[session.inputNames[0] as string]: new ort.Tensor('float32', pixels.subarray(0, n * 3 * size * size), [n, 3, size, size])}
      return output(await session.run(feeds), n)
    },
    async encodeTokens(ids, mask, n, length) {
      if (input.kind !== 'text') throw new Error('encodeTokens on an image tower')
      const tensor = (values: BigInt64Array): ort.Tensor =>
        input.intType === 'int32' ? new ort.Tensor('int32', Int32Array.from(values, Number), [n, length]) : new ort.Tensor('int64', values, [n, length])
      const feeds: Record<string, ort.Tensor> = {[input.ids as string]: tensor(ids)}
      if (input.mask) feeds[input.mask] = tensor(mask)
      if (input.types) feeds[input.types] = tensor(new BigInt64Array(n * length))
      return output(await session.run(feeds), n, mask, length)
    },
    release: () => session.release(),
  }
}
