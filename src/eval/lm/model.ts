import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import * as ort from 'onnxruntime-node'
import {z} from 'zod'

import {DcbError, ExitCode} from '../../errors.js'
import {loadTokenizer, type TextTokenizer} from '../../tokenizers/index.js'
import {describeZodError} from '../../util/zod-issue.js'

/** `model.json` of an LM model directory (docs/contracts.md, "The model directory"). */
export const LmModelJson = z.object({
  kind: z.literal('lm'),
  benchmark: z.string().optional(),
  scale: z.string().optional(),
  /** Model (config) name, written as `model` into the eval JSON. */
  model: z.string(),
  vocab_size: z.number().int().positive(),
  /** Longest input the graph accepts. */
  seq_len: z.number().int().positive(),
  eot_token_id: z.number().int().nonnegative(),
  pad_token_id: z.number().int().nonnegative().optional(),
  tokenizer: z.string().default('tokenizer.json'),
  onnx: z.object({
    /** input `input_ids` int64 [batch, seq] → output `logits` float32 [batch, seq, vocab_size]. */
    model: z.string(),
  }).passthrough(),
})
export type LmModelJson = z.infer<typeof LmModelJson>

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
  /** sha256 over model.json, model.onnx and tokenizer.json (each hashed, then the three hashes). */
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
  const metaFile = join(dir, 'model.json')
  if (!existsSync(metaFile)) throw new DcbError('DCB_MODEL_DIR', `${metaFile}: file not found (expected an LM model directory, docs/contracts.md)`)
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(metaFile, 'utf8'))
  } catch (error) {
    throw new DcbError('DCB_MODEL_DIR', `${metaFile}: not JSON: ${(error as Error).message}`)
  }
  const parsed = LmModelJson.safeParse(raw)
  if (!parsed.success) throw new DcbError('DCB_MODEL_DIR', `${metaFile}: ${describeZodError(parsed.error)}`)
  const meta = parsed.data
  const onnxFile = join(dir, meta.onnx.model)
  const tokenizerFile = join(dir, meta.tokenizer)
  for (const file of [onnxFile, tokenizerFile]) if (!existsSync(file)) throw new DcbError('DCB_MODEL_DIR', `${file}: file not found (named by ${metaFile})`)
  const tokenizer = loadTokenizer(tokenizerFile)
  const hashes = [metaFile, onnxFile, tokenizerFile].map((f) => createHash('sha256').update(readFileSync(f)).digest('hex'))
  const hash = createHash('sha256').update(hashes.join('\n')).digest('hex')
  const device = options.device ?? 'cpu'
  let session: ort.InferenceSession
  try {
    session = await ort.InferenceSession.create(onnxFile, {
      executionProviders: device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
      graphOptimizationLevel: 'all',
      ...(options.threads === undefined ? {} : {intraOpNumThreads: options.threads}),
    })
  } catch (error) {
    throw new DcbError('DCB_MODEL_DIR', `${onnxFile}: onnxruntime cannot load it: ${(error as Error).message.split('\n')[0]}`, {exitCode: device === 'cuda' ? ExitCode.Environment : ExitCode.Usage})
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
