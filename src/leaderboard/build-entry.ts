import {writeFile} from 'node:fs/promises'

import {readRunManifest, runManifestHash} from '../contracts/run-manifest.js'
import {DcbError} from '../errors.js'
import {getRecipe} from '../tracks/registry.js'
import {writeAtomically} from '../util/atomic-write.js'
import {fileSha256} from '../util/file-sha256.js'
import {describeZodError} from '../util/zod-issue.js'
import {externalModelFacts, type EntrySource} from './build-external-entry.js'
import {ENTRY_FORMAT, ENTRY_FORMAT_VERSION, EXTERNAL_ENTRY_FORMAT_VERSION, UnsignedEntry, type SignedEntry} from './entry-schema.js'
import {loadPrivateKey} from './keys.js'
import {entryId, signEntry} from './signing.js'
import type {SuiteResolver} from './suites.js'

export interface BuildEntryOptions {
  /** The run folder (or its run.json) of a dcbench run; or, instead, `model`. */
  run?: string
  /**
   * A model folder `bench export` wrote from a checkpoint trained outside dcbench (model.json
   * `provenance.source: external`): the entry is then format version 2 with `run: null` and binds the
   * exported model instead. Needs `subset`.
   */
  model?: string
  /** With `model`: the subset the checkpoint was trained on (its fingerprint and size go into the entry). */
  subset?: string
  /** With `model`: the scale (default model.json's) and track (default filtering). */
  scale?: string
  track?: string
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
  if ((options.run === undefined) === (options.model === undefined)) {
    throw new DcbError('DCB_SUBMIT_MODEL', options.run === undefined ? 'give the run to submit (--run RUN) or an exported external model (--model DIR)' : '--run and --model: an entry reports either a dcbench run or an external model, not both')
  }
  const source = options.model !== undefined ? await externalModelFacts(options as BuildEntryOptions & {model: string}) : await runFacts(options.run as string)
  const recipe = getRecipe({benchmark: source.benchmark, scale: source.scale, track: source.track, tracksDir: options.tracksDir})
  if (recipe.hash !== source.recipe_hash) {
    throw new DcbError('DCB_RECIPE_MISMATCH', `${source.file}: recipe_hash ${source.recipe_hash.slice(0, 16)}… is not the frozen recipe of ${source.benchmark} ${source.scale} (${recipe.hash.slice(0, 16)}…)`)
  }
  const suite = options.suites(recipe.recipe.eval_suite)
  if (!suite) throw new DcbError('DCB_UNKNOWN_SUITE', `${source.benchmark} ${source.scale} is evaluated on '${recipe.recipe.eval_suite}', which this dcbench cannot score`)
  // The eval module reads and validates its own format; an incomplete results file is refused there.
  const tasks = await suite.readResults(options.evalFile)
  const aggregates = suite.aggregate(tasks)

  const unsigned = UnsignedEntry.safeParse({
    format: ENTRY_FORMAT,
    format_version: source.run === null ? EXTERNAL_ENTRY_FORMAT_VERSION : ENTRY_FORMAT_VERSION,
    benchmark: source.benchmark,
    scale: source.scale,
    track: source.track,
    submitter: options.submitter.contact ? options.submitter : {name: options.submitter.name},
    method: {name: options.method.name, description: options.method.description ?? '', ...(options.method.link ? {link: options.method.link} : {})},
    data: {...source.data, pool_index_sha256: options.poolIndex ? await fileSha256(options.poolIndex) : source.data.pool_index_sha256},
    recipe_hash: source.recipe_hash,
    run: source.run,
    ...(source.external_model ? {external_model: source.external_model} : {}),
    eval: {suite: suite.suite, suite_version: suite.version, results_sha256: await fileSha256(options.evalFile), tasks: orderedTasks(tasks, suite.tasks), aggregates},
    harness_version: source.harness_version,
    created_at: (options.now ?? (() => new Date()))().toISOString(),
  })
  if (!unsigned.success) {
    throw new DcbError('DCB_ENTRY_INVALID', `cannot build an entry from ${source.file} and ${options.evalFile}: ${describeZodError(unsigned.error)}`)
  }
  const entry = signEntry(unsigned.data, await loadPrivateKey(options.keyFile))
  await writeAtomically(options.out, (temp) => writeFile(temp, `${JSON.stringify(entry, null, 2)}\n`))
  return {out: options.out, entryId: entryId(entry), entry}
}

/** What an entry takes from a complete, non-smoke dcbench run's run.json. */
async function runFacts(runPath: string): Promise<EntrySource> {
  const {file, manifest: run, stored} = await readRunManifest(runPath)
  if (run.smoke) {
    throw new DcbError('DCB_SUBMIT_SMOKE', `${file}: a smoke run (bench train --smoke: a tiny stand-in model, ${run.smoke.overrides.length} overridden flags); only a run of the scale itself can be submitted`, {
      suggestions: [`train ${run.benchmark} ${run.scale} without --smoke, on GPUs`],
    })
  }
  if (run.exit_status !== 'complete') {
    throw new DcbError('DCB_RUN_INCOMPLETE', `${file}: exit_status '${run.exit_status}'; only a complete run can be submitted`, {
      suggestions: ["finish (or resume) the run with 'bench train' first"],
    })
  }
  return {
    file, benchmark: run.benchmark, scale: run.scale, track: run.track, recipe_hash: run.recipe_hash, harness_version: run.harness_version,
    data: {subset_fingerprint: run.subset_fingerprint, subset_size: run.subset_size, pool_index_sha256: run.pool_index_sha256},
    run: {manifest_sha256: runManifestHash(stored), executor: run.executor, container_image_digest: run.image_digest, started_at: run.started_at, finished_at: run.finished_at},
  }
}

/** Tasks in the suite's order (readable files; the signature does not depend on it). */
function orderedTasks(tasks: Record<string, number>, order: {key: string}[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const {key} of order) if (key in tasks) out[key] = tasks[key] as number
  for (const [key, value] of Object.entries(tasks)) if (!(key in out)) out[key] = value
  return out
}
