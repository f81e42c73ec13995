import {existsSync} from 'node:fs'
import {join} from 'node:path'
import * as ort from 'onnxruntime-node'

import {hashModelFolder} from '../../contracts/model-folder.js'
import {readModelJson, type ClipModelJson} from '../../contracts/model-json.js'
import {assertExternalDataInside} from '../../contracts/onnx-external-data.js'
import {DcbError} from '../../errors.js'
import {assertDeviceAvailable} from '../cuda-provider.js'
import type {PreprocessConfig} from './preprocess.js'
import {defaultThreadSplit} from './threads.js'
import {ClipTokenizer, defaultVocabPath} from './tokenizer.js'

/** Where inference runs: onnxruntime's CPU provider, or CUDA when present and asked for. */
export type ClipDevice = 'cpu' | 'cuda'

export interface LoadClipModelOptions {
  device?: ClipDevice
  /** Threads per ONNX session (default: every core, see defaultThreadSplit). */
  threads?: number
}

/** A loaded CLIP model: two ONNX towers, its tokenizer and preprocessing. */
export interface ClipModel {
  dir: string
  /** The image encoder's ONNX file. */
  imageFile: string
  meta: ClipModelJson
  /** The model hash of the whole folder (src/contracts/model-folder.ts): what eval outputs record. */
  hash: string
  device: ClipDevice
  preprocess: PreprocessConfig
  tokenizer: ClipTokenizer
  /** Image features, [n, embed_dim] row-major, not normalised. */
  encodeImages(pixels: Float32Array, n: number): Promise<Float32Array>
  /** Text features of token rows ([n, 77] int64), not normalised. */
  encodeTexts(tokens: BigInt64Array, n: number): Promise<Float32Array>
  release(): Promise<void>
}

/** An onnxruntime session with dcbench's options (CPU, or CUDA when asked; see LoadClipModelOptions). */
export async function createSession(file: string, options: LoadClipModelOptions): Promise<ort.InferenceSession> {
  assertDeviceAvailable(options.device ?? 'cpu')
  if (!existsSync(file)) throw new DcbError('DCB_MODEL_DIR', `${file}: not found; model.json names it`)
  const providers = options.device === 'cuda' ? ['cuda', 'cpu'] : ['cpu']
  try {
    return await ort.InferenceSession.create(file, {
      executionProviders: providers,
      graphOptimizationLevel: 'all',
      // Not spinning: a waiting thread would otherwise hold a core the decode workers need
      // (onnxruntime's own default, every core spinning, starved decoding on 2 cores).
      intraOpNumThreads: options.threads ?? defaultThreadSplit().onnx,
      interOpNumThreads: 1,
      extra: {session: {intra_op: {allow_spinning: '0'}}},
    })
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]
    if (options.device === 'cuda') {
      throw new DcbError('DCB_NO_CUDA', `${file}: cannot start onnxruntime's CUDA execution provider (${message})`, {
        suggestions: ['run on a machine with an NVIDIA GPU and the CUDA libraries onnxruntime-node needs, or use --device cpu'],
      })
    }
    throw new DcbError('DCB_MODEL_DIR', `${file}: onnxruntime cannot load it (${message})`)
  }
}

/** Loads a CLIP model directory for evaluation. */
export async function loadClipModel(dir: string, options: LoadClipModelOptions = {}): Promise<ClipModel> {
  const meta = readModelJson(dir, 'clip')
  const imageFile = join(dir, meta.onnx.image)
  const textFile = join(dir, meta.onnx.text)
  for (const file of [imageFile, textFile]) if (!existsSync(file)) throw new DcbError('DCB_MODEL_DIR', `${file}: not found; model.json names it`)
  assertExternalDataInside(dir, [meta.onnx.image, meta.onnx.text], meta.onnx_external_data)
  const image = await createSession(imageFile, options)
  const text = await createSession(textFile, options)
  const vocab = existsSync(join(dir, meta.tokenizer.file)) ? join(dir, meta.tokenizer.file) : defaultVocabPath()
  const hash = (await hashModelFolder(dir)).sha256
  const size = meta.preprocess.image_size
  const dim = meta.embed_dim
  const check = (out: ort.Tensor | undefined, n: number, what: string): Float32Array => {
    if (!out || out.type !== 'float32' || out.dims.length !== 2 || out.dims[0] !== n || out.dims[1] !== dim) {
      throw new DcbError('DCB_MODEL_DIR', `${dir}: the ${what} encoder returned ${out ? `${out.type} [${out.dims.join(', ')}]` : 'nothing'}; expected float32 [${n}, ${dim}] (embed_dim)`)
    }
    return out.data as Float32Array
  }
  return {
    dir,
    imageFile,
    meta,
    hash,
    device: options.device ?? 'cpu',
    preprocess: {imageSize: size, mean: meta.preprocess.mean, std: meta.preprocess.std},
    tokenizer: new ClipTokenizer(vocab),
    async encodeImages(pixels, n) {
      const input = new ort.Tensor('float32', pixels.subarray(0, n * 3 * size * size), [n, 3, size, size])
      const out = await image.run({[image.inputNames[0] as string]: input})
      return check(out[image.outputNames[0] as string], n, 'image')
    },
    async encodeTexts(tokens, n) {
      const input = new ort.Tensor('int64', tokens.subarray(0, n * 77), [n, 77])
      const out = await text.run({[text.inputNames[0] as string]: input})
      return check(out[text.outputNames[0] as string], n, 'text')
    },
    async release() {
      await image.release()
      await text.release()
    },
  }
}
