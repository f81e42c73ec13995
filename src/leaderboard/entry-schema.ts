import {z} from 'zod'

import {isBenchmark} from '../benchmarks/registry.js'
import {ModelFiles} from '../contracts/model-folder.js'

/** The `format` field every leaderboard entry carries. */
export const ENTRY_FORMAT = 'dcbench-leaderboard-entry'
/**
 * The entry schema version this dcbench writes. Bump it for any change to the fields. Version 2 binds
 * the scores to a model (`model`) and the submitter to the signing key (`submitter.key_id`), and
 * reports either a dcbench run (`run`) or a checkpoint trained elsewhere and exported by `bench export`
 * (`run: null` with `external_model`); version 1 entries are still read (boards written before stay
 * readable) and show as not bound to a model.
 */
export const ENTRY_FORMAT_VERSION = 2
/** The versions this dcbench reads. */
export const READABLE_ENTRY_VERSIONS = [1, 2] as const

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters (a sha256)')
const isoTime = z.iso.datetime({offset: true, message: 'expected an ISO 8601 date-time such as 2025-01-31T12:00:00Z'})
/** A task score or aggregate: a finite number (NaN and ±Infinity cannot be signed or ranked). */
const finite = z.number().refine(Number.isFinite, 'expected a finite number')

/** Version 2: the submitter is the signing key; boards show the name the organizers' keyring gives it. */
export const Submitter = z.strictObject({
  /** The signing key's id (equal to `signature.key_id`). */
  key_id: sha256Hex,
  /** Optional public contact (a URL or address the submitter wants shown). */
  contact: z.string().trim().min(1).max(300).optional(),
})

/** Version 1: who submitted, as free text (not bound to the key). */
export const SubmitterV1 = z.strictObject({
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
 * no dcbench run.json binds it, so the entry's `model` (the exported folder's files, model.json with
 * its torch-vs-onnxruntime check included) is all that binds the scores. The board shows such entries
 * as external.
 */
export const EntryExternalModel = z.strictObject({
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
  /**
   * The canonical base64 of the 64-byte signature: decoders ignore the 4 padding bits of the last
   * character, so without this one signature would have 4 spellings (and an entry 4 ids).
   */
  value: z
    .string()
    .regex(/^[A-Za-z0-9+/]{86}==$/, 'expected the base64 of a 64-byte ed25519 signature')
    .refine((v) => Buffer.from(v, 'base64').toString('base64') === v, 'not the canonical base64 of the signature (its padding bits are set)'),
})

/** The fields both versions share. */
const common = {
  format: z.literal(ENTRY_FORMAT),
  /** A registered benchmark's id. */
  benchmark: z.string().refine(isBenchmark, {message: 'not a registered benchmark'}),
  scale: z.string().min(1),
  track: z.string().min(1),
  method: Method,
  data: EntryData,
  /** The scale's frozen-recipe hash (`bench tracks show`). */
  recipe_hash: sha256Hex,
  eval: EntryEval,
  /** dcbench version that trained and evaluated (from run.json), or that exported and evaluated. */
  harness_version: z.string().min(1),
  /** When the entry was built and signed (the participant's clock: ranking never uses it). */
  created_at: isoTime,
}

/** The fields of version 2 (before signing). */
const v2 = {
  ...common,
  format_version: z.literal(ENTRY_FORMAT_VERSION),
  submitter: Submitter,
  /** The dcbench training run behind the scores; null for a checkpoint trained elsewhere (then `external_model` says so). */
  run: EntryRun.nullable(),
  /** Only with `run: null`: the checkpoint trained outside dcbench that `bench export` made the model folder from. */
  external_model: EntryExternalModel.optional(),
  /** The model folder that earned the scores: the sha256 of every file, as run.json (or bench export) and the eval output name it. */
  model: ModelFiles,
}

/** A version-2 entry reports a dcbench run, or (`run: null`) an external model with its `external_model` block — never both. */
function originRule(entry: {run: unknown; external_model?: unknown}, ctx: z.RefinementCtx): void {
  if (entry.run === null && entry.external_model === undefined) ctx.addIssue({code: 'custom', path: ['external_model'], message: 'run is null, so the entry must name its external_model (a checkpoint exported by bench export)'})
  if (entry.run !== null && entry.external_model !== undefined) ctx.addIssue({code: 'custom', path: ['external_model'], message: 'an entry of a dcbench run has no external_model'})
}

/** Everything an entry states, before it is signed (version 2). */
export const UnsignedEntry = z.strictObject(v2).superRefine(originRule)

/** A version-1 entry (read only): a dcbench run, no model, a free-text submitter. */
export const UnsignedEntryV1 = z.strictObject({...common, format_version: z.literal(1), submitter: SubmitterV1, run: EntryRun})

/** A signed leaderboard entry: version 2, or a version-1 entry of an older board. */
export const SignedEntry = z.discriminatedUnion('format_version', [
  z.strictObject({...v2, signature: Signature}).superRefine(originRule),
  UnsignedEntryV1.extend({signature: Signature}),
])

export type UnsignedEntry = z.infer<typeof UnsignedEntry>
export type SignedEntry = z.infer<typeof SignedEntry>
/** A signed version-2 entry: bound to a model and to its signing key. */
export type BoundEntry = Extract<SignedEntry, {format_version: 2}>

/** Whether an entry names the model that earned its scores (version 2). */
export function isBound(entry: SignedEntry): entry is BoundEntry {
  return entry.format_version === ENTRY_FORMAT_VERSION
}
export type EntryData = z.infer<typeof EntryData>
export type EntryRun = z.infer<typeof EntryRun>
export type EntryEval = z.infer<typeof EntryEval>
export type EntryExternalModel = z.infer<typeof EntryExternalModel>

/**
 * What an entry's scores are of: the dcbench run (`run.manifest_sha256`) or, for a checkpoint trained
 * elsewhere, the exported model folder (`model.sha256`) — the key by which a board refuses the same
 * result twice.
 */
export function entryOrigin(entry: SignedEntry): {kind: 'run' | 'external'; sha256: string; field: string} {
  if (entry.run) return {kind: 'run', sha256: entry.run.manifest_sha256, field: 'run.manifest_sha256'}
  // the schema allows run: null only in version 2, with its model
  return {kind: 'external', sha256: (entry as BoundEntry).model.sha256, field: 'model.sha256'}
}
