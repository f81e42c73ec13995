import {writeFile} from 'node:fs/promises'

import {readRunManifest, runManifestHash} from '../contracts/run-manifest.js'
import {DcbError} from '../errors.js'
import {getRecipe} from '../tracks/registry.js'
import {writeAtomically} from '../util/atomic-write.js'
import {fileSha256} from '../util/file-sha256.js'
import {describeZodError} from '../util/zod-issue.js'
import {ENTRY_FORMAT, ENTRY_FORMAT_VERSION, UnsignedEntry, type SignedEntry} from './entry-schema.js'
import {loadPrivateKey} from './keys.js'
import {entryId, signEntry} from './signing.js'
import type {SuiteResolver} from './suites.js'

export interface BuildEntryOptions {
  /** The run folder (or its run.json). */
  run: string
  /** The eval output: DataComp eval_results.jsonl, DCLM eval JSON. */
  evalFile: string
  /** The submitter's NAME.key. */
  keyFile: string
  /** Where to write the signed entry. */
  out: string
  submitter: {name: string; contact?: string}
  method: {name: string; description?: string; link?: string}
  /** Pool uid index file; its sha256 is recorded (overrides run.json's pool_index_sha256). */
  poolIndex?: string
  suites: SuiteResolver
  tracksDir?: string
  now?: () => Date
}

export interface BuildEntryResult {
  out: string
  entryId: string
  entry: SignedEntry
}

/**
 * `bench submit`: builds an entry from a finished run and its eval output, checks it against the
 * rules verification will apply (so a participant learns of a problem before the organizers do),
 * signs it, and writes it atomically.
 */
export async function buildEntry(options: BuildEntryOptions): Promise<BuildEntryResult> {
  const {file: runFile, manifest: run, stored} = await readRunManifest(options.run)
  if (run.exit_status !== 'complete') {
    throw new DcbError('DCB_RUN_INCOMPLETE', `${runFile}: exit_status '${run.exit_status}'; only a complete run can be submitted`, {
      suggestions: ["finish (or resume) the run with 'bench train' first"],
    })
  }
  const recipe = getRecipe({benchmark: run.benchmark, scale: run.scale, track: run.track, tracksDir: options.tracksDir})
  if (recipe.hash !== run.recipe_hash) {
    throw new DcbError('DCB_RECIPE_MISMATCH', `${runFile}: recipe_hash ${run.recipe_hash.slice(0, 16)}… is not the frozen recipe of ${run.benchmark} ${run.scale} (${recipe.hash.slice(0, 16)}…)`)
  }
  const suite = options.suites(recipe.recipe.eval_suite)
  if (!suite) throw new DcbError('DCB_UNKNOWN_SUITE', `${run.benchmark} ${run.scale} is evaluated on '${recipe.recipe.eval_suite}', which this dcbench cannot score`)
  // The eval module reads and validates its own format; an incomplete results file is refused there.
  const tasks = await suite.readResults(options.evalFile)
  const aggregates = suite.aggregate(tasks)

  const unsigned = UnsignedEntry.safeParse({
    format: ENTRY_FORMAT,
    format_version: ENTRY_FORMAT_VERSION,
    benchmark: run.benchmark,
    scale: run.scale,
    track: run.track,
    submitter: options.submitter.contact ? options.submitter : {name: options.submitter.name},
    method: {name: options.method.name, description: options.method.description ?? '', ...(options.method.link ? {link: options.method.link} : {})},
    data: {
      subset_fingerprint: run.subset_fingerprint,
      subset_size: run.subset_size,
      pool_index_sha256: options.poolIndex ? await fileSha256(options.poolIndex) : run.pool_index_sha256,
    },
    recipe_hash: run.recipe_hash,
    run: {
      manifest_sha256: runManifestHash(stored),
      executor: run.executor,
      container_image_digest: run.image_digest,
      started_at: run.started_at,
      finished_at: run.finished_at,
    },
    eval: {suite: suite.suite, suite_version: suite.version, results_sha256: await fileSha256(options.evalFile), tasks: orderedTasks(tasks, suite.tasks), aggregates},
    harness_version: run.harness_version,
    created_at: (options.now ?? (() => new Date()))().toISOString(),
  })
  if (!unsigned.success) {
    throw new DcbError('DCB_ENTRY_INVALID', `cannot build an entry from ${runFile} and ${options.evalFile}: ${describeZodError(unsigned.error)}`)
  }
  const entry = signEntry(unsigned.data, await loadPrivateKey(options.keyFile))
  await writeAtomically(options.out, (temp) => writeFile(temp, `${JSON.stringify(entry, null, 2)}\n`))
  return {out: options.out, entryId: entryId(entry), entry}
}

/** Tasks in the suite's order (readable files; the signature does not depend on it). */
function orderedTasks(tasks: Record<string, number>, order: {key: string}[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const {key} of order) if (key in tasks) out[key] = tasks[key] as number
  for (const [key, value] of Object.entries(tasks)) if (!(key in out)) out[key] = value
  return out
}
