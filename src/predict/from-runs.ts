import {readdir, stat} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import type {ScalingSpec} from '../benchmarks/benchmark.js'
import {getBenchmark} from '../benchmarks/registry.js'
import {readRunManifest, readRunManifestIfExists, runManifestHash} from '../contracts/run-manifest.js'
import {DcbError} from '../errors.js'
import {getRecipe} from '../tracks/registry.js'
import {fileSha256} from '../util/file-sha256.js'
import type {RowSource} from './fit.js'
import type {ScalingRow} from './rows.js'

/**
 * `bench predict fit --from RUN_OR_EVAL…`: rows from dcbench's own runs. N and D come from the run's
 * frozen recipe (its adapter's `scaling.size`), the loss from the eval JSON's held-out loss step, the
 * error as 1 − the plain mean accuracy over a task set (Gadre et al.'s gadre17/gadre46, `core`, `all`,
 * or a comma-separated list), as scaling/shared.py::parse_model_json computes `err_avg`.
 */

export interface RowsFromRunsOptions {
  /** Run folders (their eval JSON in RUN/ or RUN/eval/) or eval JSONs (their run: the folder or its parent). */
  paths: readonly string[]
  /** A task set name of the runs' suite, or task keys separated by commas; default gadre46 where the suite has it, else all. */
  tasks?: string
}

export interface RowsFromRuns {
  rows: ScalingRow[]
  sources: RowSource[]
  /** The task set the errors average, as recorded in law.json. */
  tasks: string
}

/** Reads every path's run and eval into a row. */
export async function rowsFromRuns(options: RowsFromRunsOptions): Promise<RowsFromRuns> {
  const rows: ScalingRow[] = []
  const sources: RowSource[] = []
  let tasksName: string | undefined
  for (const path of options.paths) {
    const {runDir, evalFile} = await locate(path)
    const read = await readRunManifest(runDir)
    const run = read.manifest
    if (run.exit_status !== 'complete') throw fromError(`${read.file}: exit_status '${run.exit_status}'; expected a complete run (its tokens are the recipe's only then)`)
    const benchmark = getBenchmark(run.benchmark)
    const scaling = benchmark.scaling as ScalingSpec<unknown, unknown> | undefined
    if (!scaling) throw new DcbError('DCB_NOT_AVAILABLE', `${read.file}: benchmark '${run.benchmark}' has no scaling-law support (its adapter lacks \`scaling\`)`)
    const recipe = getRecipe({benchmark: run.benchmark, scale: run.scale})
    if (recipe.hash !== run.recipe_hash) throw fromError(`${read.file}: recipe_hash ${run.recipe_hash.slice(0, 12)}… is not the frozen ${run.benchmark} ${run.scale} recipe (${recipe.hash.slice(0, 12)}…); expected a run of this dcbench's recipe`)
    const size = scaling.size(recipe as never)
    const measured = await scaling.readEval(evalFile)
    if (measured.loss === null) throw fromError(`${evalFile}: no held-out loss (eval_metrics.perplexity); expected an eval with the loss step (\`bench eval\` of this dcbench version)`)
    const sets = scaling.errorTaskSets(recipe as never)
    const {name, tasks} = resolveTasks(options.tasks, sets, evalFile)
    if (tasksName !== undefined && tasksName !== name) throw fromError(`${evalFile}: task set '${name}', but an earlier run used '${tasksName}'; expected one task set for every row`)
    tasksName = name
    const missing = tasks.filter((t) => !Number.isFinite(measured.accuracies[t]))
    if (missing.length > 0) throw fromError(`${evalFile}: ${missing.length} task(s) of '${name}' without an accuracy (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}); expected every task of the set`)
    // the plain mean of 1 − accuracy over the set, summed in the set's order (parse_model_json)
    let sum = 0
    for (const t of tasks) sum += 1 - measured.accuracies[t]!
    rows.push({name: `${run.benchmark}/${run.scale}:${basename(runDir)}`, params: size.params, tokens: size.tokens, loss: measured.loss, error: sum / tasks.length})
    sources.push({role: 'from', file: read.file, sha256: runManifestHash(read.stored)}, {role: 'from', file: evalFile, sha256: await fileSha256(evalFile)})
  }
  return {rows, sources, tasks: tasksName ?? 'all'}
}

function fromError(message: string): DcbError {
  return new DcbError('DCB_PREDICT_FROM', message)
}

/** A named set, or a comma-separated list of tasks (each must be one the suite knows). */
function resolveTasks(spec: string | undefined, sets: Readonly<Record<string, readonly string[]>>, where: string): {name: string; tasks: readonly string[]} {
  const name = spec ?? ('gadre46' in sets ? 'gadre46' : 'all')
  const named = sets[name]
  if (named) return {name, tasks: named}
  if (!name.includes(',')) throw new DcbError('DCB_UNKNOWN_CHOICE', `unknown task set '${name}' for ${where}; valid: ${Object.keys(sets).join(', ')}, or task keys separated by commas`)
  const tasks = name.split(',').map((t) => t.trim()).filter((t) => t !== '')
  const known = new Set(sets.all ?? [])
  const unknown = tasks.filter((t) => known.size > 0 && !known.has(t))
  if (unknown.length > 0) throw new DcbError('DCB_UNKNOWN_CHOICE', `--tasks: unknown task '${unknown[0]}' for ${where}`)
  return {name: tasks.join(','), tasks}
}

/** The run folder and eval JSON a --from path names. */
async function locate(path: string): Promise<{runDir: string; evalFile: string}> {
  const info = await stat(path).catch(() => undefined)
  if (!info) throw fromError(`${path}: not found; expected a run folder or a DCLM eval JSON`)
  if (info.isFile()) {
    for (const dir of [dirname(path), dirname(dirname(path))]) {
      if (await readRunManifestIfExists(dir)) return {runDir: dir, evalFile: path}
    }
    throw fromError(`${path}: no run.json in its folder or the one above; expected an eval JSON inside its run folder (RUN/ or RUN/eval/)`)
  }
  for (const dir of [path, join(path, 'eval')]) {
    const names = await readdir(dir).catch(() => [] as string[])
    const evals = names.filter((n) => /^evaluation_.*\.json$/.test(n)).sort()
    if (evals.length > 1) throw fromError(`${dir}: ${evals.length} eval JSONs (${evals.join(', ')}); expected one, or pass the eval JSON itself`)
    if (evals.length === 1) return {runDir: path, evalFile: join(dir, evals[0]!)}
  }
  throw fromError(`${path}: no evaluation_*.json in it or in its eval/ folder; expected \`bench eval\` output of this run`)
}
