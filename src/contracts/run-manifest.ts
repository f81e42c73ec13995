import {readFile, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {z} from 'zod'

import {DcbError} from '../errors.js'
import {writeFileAtomic} from '../util/atomic-write.js'
import {canonicalHash} from '../util/canonical-json.js'
import {readFileInsideSync, UnsafePathError} from '../util/no-follow.js'
import {describeZodError} from '../util/zod-issue.js'
import {ModelFiles} from './model-folder.js'

/**
 * `RUN/run.json` (docs/contracts.md, "A run directory"): written by `bench train` (atomically, when an
 * attempt starts and when it ends), read by `bench train` to resume, by `bench submit` to build an
 * entry and by `bench verify` to check one. This module is its only reader and writer.
 */

/**
 * The run.json this dcbench writes. Version 2 adds `model` (the sha256 of every model file); version 1
 * files (no model named) are still read, and `bench train` on a finished version-1 run records it.
 */
export const RUN_MANIFEST_FORMAT = 'dcbench.run/2'
export const RUN_MANIFEST_FORMATS = ['dcbench.run/1', RUN_MANIFEST_FORMAT] as const

/**
 * `running`, `complete` (finished and outputs accepted), `stopped_at_max_steps`, `interrupted`
 * (SIGINT/SIGTERM; run again to resume), `failed`, `oom_killed`, `invalid_outputs`.
 */
export const RUN_STATUSES = ['running', 'complete', 'stopped_at_max_steps', 'interrupted', 'failed', 'oom_killed', 'invalid_outputs'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

const count = z.int().nonnegative()

/** One try of a run: its executor and how it ended. */
export const RunAttempt = z.looseObject({
  executor: z.string(),
  image_digest: z.string().nullable(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  exit_code: z.int().nullable(),
  oom_killed: z.boolean(),
  resumed_from_step: count.nullable(),
  last_step: count.nullable(),
  /** `--executor slurm`: the job that ran this attempt, and whether bench re-attached to it (issue 19). */
  slurm_job_id: z.string().optional(),
  slurm_reattached: z.boolean().optional(),
})
export type RunAttempt = z.infer<typeof RunAttempt>

/** How the run spread the frozen global batch (src/tracks/infra.ts). */
const RunInfra = z.looseObject({
  gpus_per_node: z.int().positive(),
  nodes: z.int().positive(),
  per_device_batch_size: z.int().positive(),
  grad_accum: z.int().positive(),
  global_batch_size: z.int().positive(),
})

/** An official image's upstream packages (containers/official/sources.lock): package → {version, commit, sha256}. */
export const RunPins = z.record(z.string(), z.looseObject({version: z.string(), commit: z.string(), sha256: z.string()}))
export type RunPins = z.infer<typeof RunPins>

/** What a smoke run (`bench train --smoke`, docs/official.md) changed in the scale's argument list. */
export const SmokeRun = z.looseObject({
  /** Each changed flag: its official value (true: a switch; null: absent) and the smoke value (null: dropped). */
  overrides: z.array(z.looseObject({flag: z.string(), official: z.union([z.string(), z.boolean()]).nullable(), smoke: z.string().nullable(), why: z.string()})),
  /** Upstream processes the smoke run used. */
  processes: z.int().positive(),
  /** Files written into the run folder for it. */
  files: z.array(z.string()),
})
export type SmokeRun = z.infer<typeof SmokeRun>

/** The whole of run.json. Unknown fields are kept (and covered by the manifest hash). */
export const RunManifest = z.looseObject({
  format: z.enum(RUN_MANIFEST_FORMATS),
  /** A registered benchmark's id. */
  benchmark: z.string(),
  scale: z.string(),
  track: z.string(),
  recipe_hash: z.string(),
  /** Fingerprint (src/subset) and size of the subset the run trained on: records, repeats counted. */
  subset_fingerprint: z.string(),
  subset_size: count,
  /** sha256 of the pool uid index the data was resharded from; null for bring-your-own data. */
  pool_index_sha256: z.string().nullable(),
  data_dir: z.string(),
  /** The executor of the latest attempt (`docker`, `local`). */
  executor: z.string(),
  /** `sha256:<hex>` id of the latest docker attempt's image; null for the local executor. */
  image_digest: z.string().nullable(),
  image: z.string().nullable(),
  command: z.array(z.string()),
  infra: RunInfra,
  threads: z.int().positive(),
  gpus: count,
  memory_bytes: count.nullable(),
  max_steps: z.int().positive().nullable(),
  /** First attempt's start; the latest attempt's end (null while one runs). */
  started_at: z.string(),
  finished_at: z.string().nullable(),
  /** One of RUN_STATUSES; any other value reads as a run that did not complete. */
  exit_status: z.string(),
  attempts: z.array(RunAttempt),
  /** Steps done and the loss at the end of the latest attempt. */
  steps: count.nullable(),
  steps_total: count.nullable(),
  final_loss: z.number().nullable(),
  validation: z.looseObject({ok: z.boolean(), problems: z.array(z.string())}).nullable(),
  /** The model the run produced (RUN/model/, src/contracts/model-folder.ts), once its outputs were accepted; absent in version 1. */
  model: ModelFiles.nullable().optional(),
  harness_version: z.string(),
  /**
   * The official image's upstream pins (absent or null: the tiny trainers, or an --image of one's own).
   * Recorded here and in the image's labels, not in the recipe hash.
   */
  pins: RunPins.nullable().optional(),
  /** The argument list the upstream entry point received (official scales; absent or null for tiny). */
  upstream_args: z.array(z.string()).nullable().optional(),
  /** A smoke run's overrides; absent or null for every other run. `bench submit` refuses smoke runs. */
  smoke: SmokeRun.nullable().optional(),
})
export type RunManifest = z.infer<typeof RunManifest>

/** A run.json as read: the parsed manifest, and the JSON object exactly as stored (what its hash covers). */
export interface ReadRunManifest {
  file: string
  manifest: RunManifest
  stored: Record<string, unknown>
}

/** `RUN/run.json` of a run folder, or the file itself when `run` names a file. */
export async function runManifestFile(run: string): Promise<string> {
  const info = await stat(run).catch(() => undefined)
  if (!info) throw new DcbError('DCB_RUN_DIR', `${run}: not found`)
  return info.isDirectory() ? join(run, 'run.json') : run
}

/** Reads and checks a run's run.json; every problem is a one-line DcbError naming the file. */
export async function readRunManifest(run: string): Promise<ReadRunManifest> {
  const read = await readRunManifestIfExists(run)
  if (!read) throw new DcbError('DCB_RUN_DIR', `${join(run, 'run.json')}: no run.json (is this a run folder written by bench train?)`)
  return read
}

/** The most a run.json may hold: a few kilobytes per attempt. */
const RUN_MANIFEST_MAX_BYTES = 4 << 20

/**
 * A path in a run folder that is a link, a FIFO or the like — left there by a trainer, which can
 * write the folder — as the one-line error that stops bench before it reads or writes through it.
 */
export function plantedError(error: UnsafePathError): DcbError {
  return new DcbError('DCB_RUN_PLANTED', `${error.message}; bench follows no links and opens nothing but regular files in a run folder`, {
    suggestions: ['a trainer may have left it there: see where it points (it may be a file of yours), remove it, and run the same command again'],
  })
}

/**
 * As readRunManifest, but undefined for a folder without run.json (a new run). In a run folder,
 * which its trainer could write, run.json is read without following a link or waiting on a FIFO left
 * in its place (DCB_RUN_PLANTED); a run.json named directly is the caller's own choice of file.
 */
export async function readRunManifestIfExists(run: string): Promise<ReadRunManifest | undefined> {
  const file = await runManifestFile(run)
  let text: string
  try {
    text = file === run ? await readBounded(file) : readFileInsideSync(run, 'run.json', RUN_MANIFEST_MAX_BYTES).toString('utf8')
  } catch (error) {
    if (error instanceof DcbError) throw error
    if (error instanceof UnsafePathError) throw plantedError(error)
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    throw new DcbError('DCB_RUN_DIR', `${file}: cannot read (${code})`)
  }
  let stored: unknown
  try {
    stored = JSON.parse(text)
  } catch (error) {
    throw new DcbError('DCB_RUN_DIR', `${file}: not valid JSON (${(error as Error).message})`)
  }
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) throw new DcbError('DCB_RUN_DIR', `${file}: expected a JSON object`)
  const parsed = RunManifest.safeParse(stored)
  if (!parsed.success) {
    throw new DcbError('DCB_RUN_DIR', `${file}: ${describeZodError(parsed.error)}`, {suggestions: ["run.json is written by 'bench train'"]})
  }
  return {file, manifest: parsed.data, stored: stored as Record<string, unknown>}
}

async function readBounded(file: string): Promise<string> {
  const info = await stat(file)
  if (!info.isFile()) throw new DcbError('DCB_RUN_DIR', `${file}: not a regular file`)
  if (info.size > RUN_MANIFEST_MAX_BYTES) throw new DcbError('DCB_RUN_DIR', `${file}: ${info.size} bytes; a run.json is at most ${RUN_MANIFEST_MAX_BYTES}`)
  return readFile(file, 'utf8')
}

/** Writes run.json atomically (temp file + rename), so a reader never sees half a manifest. */
export async function writeRunManifest(runDir: string, manifest: RunManifest): Promise<void> {
  await writeFileAtomic(join(runDir, 'run.json'), `${JSON.stringify(manifest, null, 2)}\n`)
}

/** The run manifest hash an entry records: sha256 of the canonical JSON of run.json as stored. */
export function runManifestHash(stored: Record<string, unknown>): string {
  return canonicalHash(stored)
}
