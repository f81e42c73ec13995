import {z} from 'zod'

import {isBenchmark} from '../benchmarks/registry.js'
import {ModelFiles} from '../contracts/model-folder.js'

/** The `format` field every leaderboard entry carries. */
export const ENTRY_FORMAT = 'dcbench-leaderboard-entry'
/**
 * The entry schema version this dcbench writes. Bump it for any change to the fields. Version 2 binds
 * the scores to a model (`model`) and the submitter to the signing key (`submitter.key_id`); version 1
 * entries are still read (boards written before stay readable) and show as not bound to a model.
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
  run: EntryRun,
  eval: EntryEval,
  /** dcbench version that trained and evaluated (from run.json). */
  harness_version: z.string().min(1),
  /** When the entry was built and signed (the participant's clock: ranking never uses it). */
  created_at: isoTime,
}

/** Everything an entry states, before it is signed (version 2). */
export const UnsignedEntry = z.strictObject({
  ...common,
  format_version: z.literal(ENTRY_FORMAT_VERSION),
  submitter: Submitter,
  /** The model folder that earned the scores: the sha256 of every file, as run.json and the eval output name it. */
  model: ModelFiles,
})

/** A version-1 entry (read only): no model, a free-text submitter. */
export const UnsignedEntryV1 = z.strictObject({...common, format_version: z.literal(1), submitter: SubmitterV1})

/** A signed leaderboard entry: version 2, or a version-1 entry of an older board. */
export const SignedEntry = z.discriminatedUnion('format_version', [UnsignedEntry.extend({signature: Signature}), UnsignedEntryV1.extend({signature: Signature})])

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
