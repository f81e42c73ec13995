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
import {ENTRY_FORMAT, ENTRY_FORMAT_VERSION, UnsignedEntry, type SignedEntry} from './entry-schema.js'
import {keyId, loadPrivateKey} from './keys.js'
import {entryId, signEntry} from './signing.js'
import type {SuiteResolver, SuiteScoring} from './suites.js'

export interface BuildEntryOptions {
  /** The run folder (or its run.json). */
  run: string
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
 * `bench submit`: builds an entry from a finished run and its eval output, checks it against the
 * rules verification will apply (so a participant learns of a problem before the organizers do) —
 * the run's model files hash to what run.json says, and the eval was made on that model — signs it,
 * and writes it atomically.
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
  const model = await boundModel(runFile, run)
  await checkEvaluatedModel(options.evalFile, suite, model)
  // The eval module reads and validates its own format; an incomplete results file is refused there.
  const tasks = await suite.readResults(options.evalFile)
  const aggregates = suite.aggregate(tasks)
  const privateKey = await loadPrivateKey(options.keyFile)

  const unsigned = UnsignedEntry.safeParse({
    format: ENTRY_FORMAT,
    format_version: ENTRY_FORMAT_VERSION,
    benchmark: run.benchmark,
    scale: run.scale,
    track: run.track,
    submitter: {key_id: keyId(createPublicKey(privateKey)), ...(options.contact ? {contact: options.contact} : {})},
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
    model,
    eval: {suite: suite.suite, suite_version: suite.version, results_sha256: await fileSha256(options.evalFile), tasks: orderedTasks(tasks, suite.tasks), aggregates},
    harness_version: run.harness_version,
    created_at: (options.now ?? (() => new Date()))().toISOString(),
  })
  if (!unsigned.success) {
    throw new DcbError('DCB_ENTRY_INVALID', `cannot build an entry from ${runFile} and ${options.evalFile}: ${describeZodError(unsigned.error)}`)
  }
  const entry = signEntry(unsigned.data, privateKey)
  await writeAtomically(options.out, (temp) => writeFile(temp, `${JSON.stringify(entry, null, 2)}\n`))
  return {out: options.out, entryId: entryId(entry), entry}
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
async function checkEvaluatedModel(evalFile: string, suite: SuiteScoring, model: ModelFiles): Promise<void> {
  const evaluated = await suite.readModelHash(evalFile)
  if (evaluated === undefined) {
    throw new DcbError('DCB_EVAL_MODEL', `${evalFile}: does not say which model it evaluated (an eval output written by bench eval does)`, {
      suggestions: ["evaluate the run's model folder with 'bench eval'"],
    })
  }
  if (evaluated !== model.sha256) {
    throw new DcbError('DCB_EVAL_MODEL', `${evalFile}: evaluated model ${evaluated.slice(0, 16)}…, not this run's model ${model.sha256.slice(0, 16)}…`, {
      suggestions: ["evaluate the run's own model folder (RUN/model) with 'bench eval'"],
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
