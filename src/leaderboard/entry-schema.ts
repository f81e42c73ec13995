import {z} from 'zod'

import {isBenchmark} from '../benchmarks/registry.js'

/** The `format` field every leaderboard entry carries. */
export const ENTRY_FORMAT = 'dcbench-leaderboard-entry'
/** The entry schema version of entries of dcbench runs. Bump it for any change to the fields. */
export const ENTRY_FORMAT_VERSION = 1
/**
 * Version 2 adds the entries of checkpoints trained outside dcbench (`bench export` → `bench submit
 * --model`): `run` is null and `external_model` says which exported model the scores are of. This
 * dcbench reads both versions and writes 1 for runs, 2 for external models.
 */
export const EXTERNAL_ENTRY_FORMAT_VERSION = 2
export const ENTRY_FORMAT_VERSIONS: readonly number[] = [ENTRY_FORMAT_VERSION, EXTERNAL_ENTRY_FORMAT_VERSION]

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters (a sha256)')
const isoTime = z.iso.datetime({offset: true, message: 'expected an ISO 8601 date-time such as 2025-01-31T12:00:00Z'})
/** A task score or aggregate: a finite number (NaN and ±Infinity cannot be signed or ranked). */
const finite = z.number().refine(Number.isFinite, 'expected a finite number')

/** Who submitted the entry. Public: it is shown on the leaderboard. */
export const Submitter = z.strictObject({
  /** A person or team name. */
  name: z.string().trim().min(1).max(200),
  /** Optional public contact (a URL or address the submitter wants shown). */
  contact: z.string().trim().min(1).max(300).optional(),
})

/** The method that selected the data. */
export const Method = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** What the method does (may be empty). */
  description: z.string().max(5000),
  /** A write-up, paper or code link. */
  link: z.url({protocol: /^https?$/, message: 'expected an http(s) URL'}).optional(),
})

/** The training data the run used. */
export const EntryData = z.strictObject({
  /** sha256 of the subset's canonical sorted id list (with repeats), as `src/subset` defines it. */
  subset_fingerprint: sha256Hex,
  /** Samples (DataComp) or documents (DCLM) in the subset, repeats counted. */
  subset_size: z.int().nonnegative(),
  /** sha256 of the pool's uid index file the subset was validated against; null for bring-your-own-data tracks. */
  pool_index_sha256: sha256Hex.nullable(),
})

/** The training run behind the scores. */
export const EntryRun = z.strictObject({
  /** sha256 of the canonical JSON of `RUN/run.json` (key order and whitespace do not matter). */
  manifest_sha256: sha256Hex,
  executor: z.enum(['docker', 'local']),
  /** `sha256:<hex>` of the training image; null only for the local executor, which runs no image. */
  container_image_digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex>').nullable(),
  started_at: isoTime,
  finished_at: isoTime,
})

/**
 * A model trained outside dcbench (DataComp's train.py, DCLM's training) and exported by `bench export`:
 * no dcbench run.json binds it, so the entry binds the exported model folder instead. The board shows
 * such entries as external.
 */
export const EntryExternalModel = z.strictObject({
  /** sha256 of the canonical JSON of the exported model.json (which records the graphs' torch-vs-onnxruntime check). */
  model_json_sha256: sha256Hex,
  /** sha256 of the upstream checkpoint file the graphs were exported from. */
  checkpoint_sha256: sha256Hex,
  /** `sha256:<hex>` of the official image that exported it. */
  export_image_digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex>'),
})

/** The evaluation results: the per-task main metrics and the aggregates derived from them. */
export const EntryEval = z.strictObject({
  /** The eval suite name, as the scale's recipe names it (`eval_suite`). */
  suite: z.string().min(1),
  /** The version of the suite definition (task list, metrics, aggregation) that produced the scores. */
  suite_version: z.string().min(1),
  /** sha256 of the eval output file's bytes (DataComp `eval_results.jsonl`, DCLM eval JSON). */
  results_sha256: sha256Hex,
  /** Task key → main metric, a fraction in [0, 1]. Only scored tasks. */
  tasks: z.record(z.string().min(1), finite),
  /** Aggregate name (the upstream spelling, e.g. `Average`, `Core_v2`) → value. */
  aggregates: z.record(z.string().min(1), finite),
})

/** The ed25519 signature over the canonical JSON of the entry without this block. */
export const Signature = z.strictObject({
  algorithm: z.literal('ed25519'),
  /** sha256 (hex) of the signer's raw 32-byte public key; the keyring maps it to a trusted key. */
  key_id: sha256Hex,
  /** base64 of the 64-byte signature. */
  value: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'expected the base64 of a 64-byte ed25519 signature'),
})

/** Everything an entry states, before it is signed (the fields; `originRule` ties `run` to the version). */
const entryFields = {
  format: z.literal(ENTRY_FORMAT),
  /** 1: a dcbench run (`run` set); 2: also an external model (`run` null, `external_model` set). */
  format_version: z.union([z.literal(ENTRY_FORMAT_VERSION), z.literal(EXTERNAL_ENTRY_FORMAT_VERSION)]),
  /** A registered benchmark's id. */
  benchmark: z.string().refine(isBenchmark, {message: 'not a registered benchmark'}),
  scale: z.string().min(1),
  track: z.string().min(1),
  submitter: Submitter,
  method: Method,
  data: EntryData,
  /** The scale's frozen-recipe hash (`bench tracks show`). */
  recipe_hash: sha256Hex,
  /** The dcbench training run behind the scores; null for an external model (format_version 2). */
  run: EntryRun.nullable(),
  /** Format version 2: the exported external model the scores are of. */
  external_model: EntryExternalModel.optional(),
  eval: EntryEval,
  /** dcbench version that trained and evaluated (from run.json), or that exported and evaluated. */
  harness_version: z.string().min(1),
  /** When the entry was built and signed. */
  created_at: isoTime,
}

/** Version 1 entries report a run; an external model (no run) needs version 2 and its `external_model`. */
function originRule(entry: {format_version: number; run: unknown; external_model?: unknown}, ctx: z.RefinementCtx): void {
  const external = entry.run === null
  if (external && entry.external_model === undefined) ctx.addIssue({code: 'custom', path: ['external_model'], message: 'run is null, so the entry must name its external_model'})
  if (!external && entry.external_model !== undefined) ctx.addIssue({code: 'custom', path: ['external_model'], message: 'an entry of a dcbench run has no external_model'})
  if (external && entry.format_version !== EXTERNAL_ENTRY_FORMAT_VERSION) ctx.addIssue({code: 'custom', path: ['format_version'], message: `an external model's entry is format_version ${EXTERNAL_ENTRY_FORMAT_VERSION}`})
  if (!external && entry.format_version !== ENTRY_FORMAT_VERSION) ctx.addIssue({code: 'custom', path: ['format_version'], message: `an entry of a dcbench run is format_version ${ENTRY_FORMAT_VERSION}`})
}

/** Everything an entry states, before it is signed. */
export const UnsignedEntry = z.strictObject(entryFields).superRefine(originRule)

/** A signed leaderboard entry (format versions 1 and 2). */
export const SignedEntry = z.strictObject({...entryFields, signature: Signature}).superRefine(originRule)

export type UnsignedEntry = z.infer<typeof UnsignedEntry>
export type SignedEntry = z.infer<typeof SignedEntry>
export type EntryData = z.infer<typeof EntryData>
export type EntryRun = z.infer<typeof EntryRun>
export type EntryEval = z.infer<typeof EntryEval>
export type EntryExternalModel = z.infer<typeof EntryExternalModel>

/**
 * What an entry's scores are of: the dcbench run (`run.manifest_sha256`) or the external model
 * (`external_model.model_json_sha256`) — the key by which a board refuses the same result twice.
 */
export function entryOrigin(entry: Pick<SignedEntry, 'run' | 'external_model'>): {kind: 'run' | 'external'; sha256: string} {
  if (entry.run) return {kind: 'run', sha256: entry.run.manifest_sha256}
  return {kind: 'external', sha256: (entry.external_model as EntryExternalModel).model_json_sha256}
}
