import {join} from 'node:path'

import {z} from 'zod'

import {DcbError} from '../errors.js'
import {writeFileAtomic} from '../util/atomic-write.js'
import {readFileInsideSync, UnsafePathError} from '../util/no-follow.js'
import {describeZodError} from '../util/zod-issue.js'

/**
 * `RUN/model/model.json` (docs/contracts.md, "The model directory"): what a trainer exports and every
 * consumer reads — `bench train`'s post-run checks, `bench eval`, the ONNX reference check. This
 * module is its only schema and reader. Unknown fields are kept (trainers may add their own).
 */

/**
 * Where a model comes from (the official images' export writes it): `dcbench-run` — exported by a
 * `bench train` run, whose run.json binds it — or `external` — `bench export` of a checkpoint trained
 * elsewhere, which no run.json binds (`bench submit --model` accepts it only as such).
 */
export const ModelProvenance = z.looseObject({
  source: z.enum(['dcbench-run', 'external']),
  /** sha256 of the checkpoint file the graphs were exported from. */
  checkpoint_sha256: z.string().regex(/^[0-9a-f]{64}$/),
})
export type ModelProvenance = z.infer<typeof ModelProvenance>

/** torch vs onnxruntime on the reference inputs, as the harness measured it (`recordOnnxCheck`). */
export const OnnxCheck = z.looseObject({
  tolerance: z.number().positive(),
  /** Graph file → largest |onnxruntime − torch| over its outputs. */
  max_abs_diff: z.record(z.string(), z.number().nonnegative()),
})

/**
 * A file of the model folder, named relative to it: no absolute path, no `..`, no backslash or NUL.
 * A model folder comes from a trainer or a submitter, neither trusted to name files elsewhere
 * (`../../other-run/model/text_encoder.onnx`) for the harness to load as this model's.
 */
const modelFile = z.string().refine((name) => name !== '' && !name.startsWith('/') && !/[\\\0]/.test(name) && !name.split('/').includes('..'), {
  error: (issue) => `${JSON.stringify(issue.input)} is not a file name inside the model folder`,
})

/** What every model.json says of where the model comes from. */
const provenance = {
  benchmark: z.string().optional(),
  scale: z.string().optional(),
  /** Model (config) name; an LM's is written as `model` into the eval JSON. */
  model: z.string(),
  /** torch's outputs on recorded inputs (the trainers write it): every graph must reproduce them. */
  reference: modelFile.optional(),
  provenance: ModelProvenance.optional(),
  /** A smoke run's model (`bench train --smoke`): a tiny stand-in, never a leaderboard entry. */
  smoke: z.boolean().optional(),
  onnx_check: OnnxCheck.optional(),
  /**
   * Graph file → the one file its ONNX external data lives in (graphs over the export's size threshold).
   * Several graphs may name the same file: an LM's logits and with-past graphs share `weights.bin`, each
   * weight held once (docs/contracts.md, "External data and shared weights"). The model checks hold every
   * graph's external-data locations to this map (src/contracts/onnx-external-data.ts).
   */
  onnx_external_data: z.record(modelFile, modelFile).optional(),
}

/** A CLIP model directory: two ONNX towers, the CLIP BPE tokenizer, and the eval preprocessing. */
export const ClipModelJson = z.looseObject({
  kind: z.literal('clip'),
  ...provenance,
  embed_dim: z.int().positive(),
  image_size: z.int().positive(),
  context_length: z.literal(77),
  vocab_size: z.literal(49408),
  logit_scale: z.number().optional(),
  onnx: z.looseObject({image: modelFile, text: modelFile}),
  tokenizer: z.looseObject({type: z.literal('clip-bpe'), file: modelFile}),
  preprocess: z.looseObject({
    resize: z.literal('shortest-side'),
    interpolation: z.literal('bicubic'),
    crop: z.literal('center'),
    image_size: z.int().positive(),
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number(), z.number(), z.number()]),
  }),
})
export type ClipModelJson = z.infer<typeof ClipModelJson>

/**
 * An LM's optional second graph with past keys/values (docs/contracts.md, "with_past"): inputs
 * `input_ids` int64 [batch, t] and `past_key_values.{i}.key` / `.value` float32 [batch, kv_heads, p,
 * head_dim] for i < layers (p may be 0); outputs `logits` float32 [batch, t, vocab_size] and
 * `present.{i}.key` / `.value` [batch, kv_heads, p + t, head_dim]. The t new tokens sit at positions
 * p … p + t − 1 and attend to every past position and causally among themselves, so its logits equal
 * the plain graph's on the whole sequence (names as Hugging Face optimum's decoder-with-past exports).
 * Evaluation uses it to compute a shared prefix once (src/eval/lm/prefix-score.ts); the plain graph
 * stays the reference.
 *
 * With `positions: true` the graph has one more input, `positions` int64 [n]: flat indices into the
 * batch × t new tokens (row r's token j is r·t + j), and `logits` is [n, vocab_size], the logits at those
 * positions only — the final norm and vocabulary head run on n hidden states instead of batch × t
 * (scoring needs only a continuation's positions). Absent or false: the graph as above.
 */
const LmWithPast = z.looseObject({
  model: modelFile,
  layers: z.int().positive(),
  kv_heads: z.int().positive(),
  head_dim: z.int().positive(),
  positions: z.boolean().optional(),
})

/**
 * An LM model directory: one ONNX graph (`input_ids` int64 [batch, seq] → `logits` float32
 * [batch, seq, vocab_size]) and a Hugging Face tokenizer.json.
 *
 * `pad_token_id` is the id tokshuf pads a file's last context with (dclm spec §3: vocab size + 2 for
 * the official tokenizer); null or absent when the data had none. Evaluation pads batches on the
 * right, where no scored position can see the padding, so the id only has to be a valid input: an
 * absent one is replaced by `eot_token_id`.
 */
export const LmModelJson = z
  .looseObject({
    kind: z.literal('lm'),
    ...provenance,
    vocab_size: z.int().positive(),
    /** Longest input the graph accepts. */
    seq_len: z.int().positive(),
    eot_token_id: z.int().nonnegative(),
    pad_token_id: z.int().nonnegative().nullable().optional(),
    tokenizer: modelFile.default('tokenizer.json'),
    onnx: z.looseObject({model: modelFile, with_past: LmWithPast.optional()}),
  })
  .refine((m) => m.eot_token_id < m.vocab_size, {path: ['eot_token_id'], message: 'must be below vocab_size'})
  .refine((m) => m.pad_token_id === null || m.pad_token_id === undefined || m.pad_token_id < m.vocab_size, {path: ['pad_token_id'], message: 'must be below vocab_size'})
export type LmModelJson = z.infer<typeof LmModelJson>

const SCHEMAS = {clip: ClipModelJson, lm: LmModelJson}
export type ModelKind = keyof typeof SCHEMAS
export type ModelJsonOf<K extends ModelKind> = z.infer<(typeof SCHEMAS)[K]>

const WHAT: Record<ModelKind, {name: string; missing: string}> = {
  clip: {name: 'a CLIP model.json', missing: 'not found — is this a model directory (RUN/model)?'},
  lm: {name: 'an LM model.json', missing: 'file not found (expected an LM model directory, docs/contracts.md)'},
}

export interface ReadModelJsonOptions {
  /** What a missing model.json means where it is read (default: the folder is not a model directory). */
  whenMissing?: string
}

/** A model.json is a page of settings; anything near this size is not one. */
const MODEL_JSON_MAX_BYTES = 1 << 20

/** Reads and checks `DIR/model.json` of a model kind; every problem is a one-line DcbError naming the file. */
export function readModelJson<K extends ModelKind>(dir: string, kind: K, options: ReadModelJsonOptions = {}): ModelJsonOf<K> {
  const file = join(dir, 'model.json')
  let raw: unknown
  try {
    // not through a link (or a FIFO) its writer left: the files it names are read relative to dir
    raw = JSON.parse(readFileInsideSync(dir, 'model.json', MODEL_JSON_MAX_BYTES).toString('utf8'))
  } catch (error) {
    if (error instanceof UnsafePathError) throw new DcbError('DCB_MODEL_DIR', error.message)
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new DcbError('DCB_MODEL_DIR', `${file}: ${options.whenMissing ?? WHAT[kind].missing}`)
    throw new DcbError('DCB_MODEL_DIR', `${file}: ${code ? `cannot read (${code})` : `not valid JSON (${(error as Error).message})`}`)
  }
  const parsed = SCHEMAS[kind].safeParse(raw)
  if (!parsed.success) throw new DcbError('DCB_MODEL_DIR', `${file}: ${describeZodError(parsed.error)}; expected ${WHAT[kind].name} (docs/contracts.md)`)
  return parsed.data as ModelJsonOf<K>
}

/**
 * Reads `DIR/model.json` of whichever kind it declares (`kind: "lm"`, else a CLIP model), checked as
 * readModelJson checks it — for readers that take any model folder (`bench submit --model`, verify).
 */
export function readAnyModelJson(dir: string, options: ReadModelJsonOptions = {}): ModelJsonOf<ModelKind> {
  let kind: ModelKind = 'clip'
  try {
    kind = (JSON.parse(readFileInsideSync(dir, 'model.json', MODEL_JSON_MAX_BYTES).toString('utf8')) as {kind?: unknown}).kind === 'lm' ? 'lm' : 'clip'
  } catch {
    // readModelJson reports the same problem in its own words
  }
  return readModelJson(dir, kind, options)
}

/**
 * Records the harness's torch-vs-onnxruntime comparison (src/runner/onnx-reference.ts) in DIR/model.json
 * as `onnx_check` {tolerance, max_abs_diff: {graph: diff}}; every other field is kept as written.
 */
export async function recordOnnxCheck(dir: string, results: readonly {graph: string; maxAbsDiff: number; tolerance: number}[]): Promise<void> {
  const file = join(dir, 'model.json')
  const raw = JSON.parse(readFileInsideSync(dir, 'model.json', MODEL_JSON_MAX_BYTES).toString('utf8')) as Record<string, unknown>
  raw.onnx_check = {
    tolerance: Math.max(...results.map((r) => r.tolerance)),
    max_abs_diff: Object.fromEntries(results.map((r) => [r.graph, r.maxAbsDiff])),
  }
  await writeFileAtomic(file, `${JSON.stringify(raw, null, 2)}\n`)
}
