import {existsSync} from 'node:fs'
import {join} from 'node:path'

import * as ort from 'onnxruntime-node'

import {hashModelFolder} from '../../contracts/model-folder.js'
import {readModelJson, type LmModelJson} from '../../contracts/model-json.js'
import {DcbError} from '../../errors.js'
import {assertDeviceAvailable} from '../cuda-provider.js'
import {loadTokenizer, type TextTokenizer} from '../../tokenizers/index.js'

/** Where inference runs. */
export type LmDevice = 'cpu' | 'cuda'

export interface LoadLmModelOptions {
  device?: LmDevice
  /** onnxruntime intra-op threads (default: its own choice, all cores). */
  threads?: number
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
  release(): Promise<void>
}

/** Loads `RUN/model/` (kind "lm"); every problem is a one-line DcbError naming the file. */
export async function loadLmModel(dir: string, options: LoadLmModelOptions = {}): Promise<LmModel> {
  assertDeviceAvailable(options.device ?? 'cpu')
  const metaFile = join(dir, 'model.json')
  const meta = readModelJson(dir, 'lm')
  const onnxFile = join(dir, meta.onnx.model)
  const tokenizerFile = join(dir, meta.tokenizer)
  for (const file of [onnxFile, tokenizerFile]) if (!existsSync(file)) throw new DcbError('DCB_MODEL_DIR', `${file}: file not found (named by ${metaFile})`)
  const tokenizer = loadTokenizer(tokenizerFile)
  const hash = (await hashModelFolder(dir)).sha256
  const device = options.device ?? 'cpu'
  let session: ort.InferenceSession
  try {
    session = await ort.InferenceSession.create(onnxFile, {
      executionProviders: device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
      graphOptimizationLevel: 'all',
      ...(options.threads === undefined ? {} : {intraOpNumThreads: options.threads}),
    })
  } catch (error) {
    const message = `${onnxFile}: onnxruntime cannot load it: ${(error as Error).message.split('\n')[0]}`
    if (device === 'cuda') throw new DcbError('DCB_NO_CUDA', message)
    throw new DcbError('DCB_MODEL_DIR', message)
  }
  if (!session.inputNames.includes('input_ids') || !session.outputNames.includes('logits')) {
    throw new DcbError('DCB_MODEL_DIR', `${onnxFile}: expected input 'input_ids' and output 'logits', found inputs [${session.inputNames.join(', ')}] outputs [${session.outputNames.join(', ')}]`)
  }
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
    async release() {
      await session.release()
    },
  }
}
