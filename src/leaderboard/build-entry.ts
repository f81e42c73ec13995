import {createPublicKey} from 'node:crypto'
import {writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {hashModelFolder, modelDifferences, type ModelFiles} from '../contracts/model-folder.js'
import {readRunManifest, runManifestHash, type RunManifest} from '../contracts/run-manifest.js'
import {DcbError} from '../errors.js'
import {getRecipe} from '../tracks/registry.js'
import {writeAtomically} from '../util/atomic-write.js'
import {fileSha256} from '../util/file-sha256.js'
import {describeZodError} from '../util/zod-issue.js'
import {externalModelFacts, type EntrySource} from './build-external-entry.js'
import {ENTRY_FORMAT, ENTRY_FORMAT_VERSION, UnsignedEntry, type SignedEntry} from './entry-schema.js'
import {keyId, loadPrivateKey} from './keys.js'
import {entryId, signEntry} from './signing.js'
import type {SuiteResolver, SuiteScoring} from './suites.js'

export interface BuildEntryOptions {
  /** The run folder (or its run.json) of a dcbench run; or, instead, `model`. */
  run?: string
  /**
   * A model folder `bench export` wrote from a checkpoint trained outside dcbench (model.json
   * `provenance.source: external`): the entry then has `run: null` and an `external_model` block, and
   * its `model` is this folder's files. Needs `subset`.
   */
  model?: string
  /** With `model`: the subset the checkpoint was trained on (its fingerprint and size go into the entry). */
  subset?: string
  /** With `model`: the scale (default model.json's) and track (default filtering). */
  scale?: string
  track?: string
  /** The eval output: DataComp eval_results.jsonl, DCLM eval JSON. */
  evalFile: string
  /** The submitter's NAME.key: the entry is theirs, shown under the name the organizers' keyring gives it. */
  keyFile: string
  /** Where to write the signed entry. */
  out: string
  /** A public contact shown with the entry (optional). */
  contact?: string
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
 * `bench submit`: builds an entry from a finished run (or an exported external model) and its eval
 * output, checks it against the rules verification will apply (so a participant learns of a problem
 * before the organizers do) — the model files hash to what run.json says, and the eval was made on
 * that model — signs it, and writes it atomically.
 */
export async function buildEntry(options: BuildEntryOptions): Promise<BuildEntryResult> {
  if ((options.run === undefined) === (options.model === undefined)) {
    throw new DcbError('DCB_SUBMIT_MODEL', options.run === undefined ? 'give the run to submit (--run RUN) or an exported external model (--model DIR)' : '--run and --model: an entry reports either a dcbench run or an external model, not both')
  }
  const source = options.model !== undefined ? await externalModelFacts({...options, model: options.model}) : await runFacts(options.run as string)
  const recipe = getRecipe({benchmark: source.benchmark, scale: source.scale, track: source.track, tracksDir: options.tracksDir})
  if (recipe.hash !== source.recipe_hash) {
    throw new DcbError('DCB_RECIPE_MISMATCH', `${source.file}: recipe_hash ${source.recipe_hash.slice(0, 16)}… is not the frozen recipe of ${source.benchmark} ${source.scale} (${recipe.hash.slice(0, 16)}…)`)
  }
  const suite = options.suites(recipe.recipe.eval_suite)
  if (!suite) throw new DcbError('DCB_UNKNOWN_SUITE', `${source.benchmark} ${source.scale} is evaluated on '${recipe.recipe.eval_suite}', which this dcbench cannot score`)
  await checkEvaluatedModel(options.evalFile, suite, source.model, source.run ? "this run's model" : 'the exported model')
  // The eval module reads and validates its own format; an incomplete results file is refused there.
  const tasks = await suite.readResults(options.evalFile)
  const aggregates = suite.aggregate(tasks)
  const privateKey = await loadPrivateKey(options.keyFile)

  const unsigned = UnsignedEntry.safeParse({
    format: ENTRY_FORMAT,
    format_version: ENTRY_FORMAT_VERSION,
    benchmark: source.benchmark,
    scale: source.scale,
    track: source.track,
    submitter: {key_id: keyId(createPublicKey(privateKey)), ...(options.contact ? {contact: options.contact} : {})},
    method: {name: options.method.name, description: options.method.description ?? '', ...(options.method.link ? {link: options.method.link} : {})},
    data: {...source.data, pool_index_sha256: options.poolIndex ? await fileSha256(options.poolIndex) : source.data.pool_index_sha256},
    recipe_hash: source.recipe_hash,
    run: source.run,
    ...(source.external_model ? {external_model: source.external_model} : {}),
    model: source.model,
    eval: {suite: suite.suite, suite_version: suite.version, results_sha256: await fileSha256(options.evalFile), tasks: orderedTasks(tasks, suite.tasks), aggregates},
    harness_version: source.harness_version,
    created_at: (options.now ?? (() => new Date()))().toISOString(),
  })
  if (!unsigned.success) {
    throw new DcbError('DCB_ENTRY_INVALID', `cannot build an entry from ${source.file} and ${options.evalFile}: ${describeZodError(unsigned.error)}`)
  }
  const entry = signEntry(unsigned.data, privateKey)
  await writeAtomically(options.out, (temp) => writeFile(temp, `${JSON.stringify(entry, null, 2)}\n`))
  return {out: options.out, entryId: entryId(entry), entry}
}

/** What an entry takes from a complete, non-smoke dcbench run's run.json, its model checked against it. */
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
    model: await boundModel(file, run),
  }
}

/** The model run.json names, after checking that the files in RUN/model still hash to it. */
async function boundModel(runFile: string, run: RunManifest): Promise<ModelFiles> {
  if (!run.model) {
    throw new DcbError('DCB_RUN_MODEL', `${runFile}: names no model files, so nothing binds the scores to a model (a run.json written by hand, or by a dcbench before run.json version 2)`, {
      suggestions: ["run the same 'bench train' command on the run folder: it records the model files of a finished run"],
    })
  }
  const modelDir = join(dirname(runFile), 'model')
  const problems = modelDifferences(modelDir, run.model, await hashModelFolder(modelDir), 'run.json')
  if (problems.length > 0) {
    throw new DcbError('DCB_RUN_MODEL', `${problems[0]}: the model is not the one the run produced`, {suggestions: problems.slice(1, 4)})
  }
  return run.model
}

/** The eval output must say it evaluated this model folder. */
async function checkEvaluatedModel(evalFile: string, suite: SuiteScoring, model: ModelFiles, which: string): Promise<void> {
  const evaluated = await suite.readModelHash(evalFile)
  if (evaluated === undefined) {
    throw new DcbError('DCB_EVAL_MODEL', `${evalFile}: does not say which model it evaluated (an eval output written by bench eval does)`, {
      suggestions: ["evaluate the model folder with 'bench eval'"],
    })
  }
  if (evaluated !== model.sha256) {
    throw new DcbError('DCB_EVAL_MODEL', `${evalFile}: evaluated model ${evaluated.slice(0, 16)}…, not ${which} ${model.sha256.slice(0, 16)}…`, {
      suggestions: ["evaluate the submitted model folder (RUN/model, or the folder bench export wrote) with 'bench eval'"],
    })
  }
}

/** Tasks in the suite's order (readable files; the signature does not depend on it). */
function orderedTasks(tasks: Record<string, number>, order: {key: string}[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const {key} of order) if (key in tasks) out[key] = tasks[key] as number
  for (const [key, value] of Object.entries(tasks)) if (!(key in out)) out[key] = value
  return out
}
