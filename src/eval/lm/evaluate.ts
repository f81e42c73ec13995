import {randomUUID} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import {basename, join} from 'node:path'

import {DcbError, unknownChoice} from '../../errors.js'
import {defaultDataDir} from '../../hub/cache.js'
import {writeFileAtomic} from '../../util/atomic-write.js'
import {harnessVersion} from '../../util/paths.js'
import {aggregateAllVersions, type EvalRecord} from '../dclm/aggregate.js'
import {DCLM_EVAL_DCBENCH_KEY, writeDclmEvalFile} from '../dclm/eval-file.js'
import {heldoutLoss, readTokshufSequences, tinyHeldoutSequences, type HeldoutLoss} from './heldout-loss.js'
import {partitionByCategory, readIclFile, type IclDataset} from './icl-data.js'
import {loadLmModel, type LmDevice, type LmModel} from './model.js'
import {prepareTask} from './prompts.js'
import {scorePreparedTask, type ExampleResult} from './score.js'
import {loadLmSuite, type LmSuite, type LmTask} from './suite.js'
import {ensureTinySuiteData} from './tiny-suite.js'

/** Progress of a DCLM evaluation, task by task. */
export type DclmEvalProgress =
  | {kind: 'task-start'; task: string; index: number; count: number}
  | {kind: 'rows'; task: string; done: number; total: number}
  | {kind: 'task-done'; task: string; accuracy: number; seconds: number}
  | {kind: 'task-cached'; task: string; accuracy: number}
  | {kind: 'task-missing'; task: string; file: string}
  | {kind: 'heldout-start'; sequences: number; source: string}
  | {kind: 'heldout-done'; loss: number; tokens: number}

export interface EvaluateDclmOptions {
  /** The model directory (RUN/model, kind "lm"). */
  modelDir: string
  /** Suite name (dclm-53, dclm-tiny; a scale's recipe names it as `eval_suite`). */
  suite: string
  /** Folder with llm-foundry's `local_data` layout. Synthetic suites default to a generated cache under $DCBENCH_DATA. */
  dataDir?: string
  /** Output folder: the eval JSON and `dclm-tasks/<label>.json` (the per-task cache). */
  outDir: string
  /** Task labels to run (default: the whole suite). Cached results of other tasks still count. */
  tasks?: string[]
  device?: LmDevice
  threads?: number
  /** Largest model batch in tokens (see score.ts). */
  maxBatchTokens?: number
  /**
   * A tokenized validation set in tokshuf's layout for the held-out loss step. Synthetic suites
   * always run the step on generated held-out tiny-world text; other suites only when this is given.
   */
  heldoutDir?: string
  /** The command that downloads the suite's data files, named in the error when none is there. */
  fetchCommand?: string
  onProgress?: (event: DclmEvalProgress) => void
}

/** One task's score. */
export interface DclmTaskScore {
  label: string
  accuracy: number
  /** has_categories tasks: accuracy per category (the task's accuracy is their unweighted mean). */
  categories?: Record<string, number>
  examples: number
  seconds: number
  cached: boolean
}

export interface EvaluateDclmResult {
  /** The eval JSON (DCLM's exp_data/evals format). */
  evalFile: string
  record: EvalRecord
  suite: string
  modelHash: string
  harnessVersion: string
  tasks: DclmTaskScore[]
  /** Suite tasks whose data file is not in the data folder (reported, never faked). */
  missing: {label: string; file: string}[]
  /** Every aggregate DCLM writes (Core_v1/_v2, Extended_v1/_v2, lists, categories…). */
  aggregates: EvalRecord
  /** CORE (centered accuracy over the suite's core list, current baselines), or the "N/A …" string. */
  headline: {name: 'Core'; value: number | string}
  /** The held-out loss step's result (written as `eval_metrics.perplexity`), when it ran. */
  heldout?: HeldoutLoss
}

/** What a per-task cache file holds. */
interface TaskCache {
  label: string
  model_hash: string
  suite: string
  accuracy: number
  categories?: Record<string, number>
  examples: number
  seconds: number
  results: ExampleResult[]
}

/**
 * `bench eval --benchmark dclm` (and `bench quickstart`'s eval step): scores an LM model directory on
 * a DCLM suite with llm-foundry 0.9.0's ICL semantics, one task after another. Each finished task is
 * written to `OUT/dclm-tasks/<label>.json` (with per-example results), so running the same command
 * again resumes; the eval JSON `OUT/evaluation_<model>_<suite>.json` is rewritten from all cached tasks
 * of this model, with every DCLM aggregate. Tasks whose data file is absent are listed in `missing`
 * and appear in the JSON's "missing tasks"; CORE/EXTENDED then read "N/A due to missing tasks: […]".
 */
export async function evaluateDclm(options: EvaluateDclmOptions): Promise<EvaluateDclmResult> {
  const suite = loadLmSuite(options.suite)
  const tasks = selectTasks(suite, options.tasks)
  const dataDir = suite.synthetic
    ? await ensureTinySuiteData(options.dataDir ?? defaultDataDir(), suite.synthetic.worldSeed)
    : (options.dataDir ?? defaultDataDir())
  const cacheDir = join(options.outDir, 'dclm-tasks')
  // Nothing to score (no task file, no cached task, no held-out set): refuse before loading the model.
  const anyCache = suite.tasks.some((task) => existsSync(join(cacheDir, `${task.label}.json`)))
  if (!anyCache && options.heldoutDir === undefined && tasks.every((task) => !existsSync(join(dataDir, task.dataset)))) {
    throw noEvalData(dataDir, tasks, options.fetchCommand)
  }
  const model = await loadLmModel(options.modelDir, {device: options.device, threads: options.threads})
  await mkdir(cacheDir, {recursive: true})
  const maxSeqLen = Math.min(suite.maxSeqLen, model.meta.seq_len)
  const scores = new Map<string, DclmTaskScore>()
  let heldout: HeldoutLoss | undefined
  const missing: {label: string; file: string}[] = []
  try {
    for (const [index, task] of tasks.entries()) {
      const cached = readTaskCache(join(cacheDir, `${task.label}.json`), model.hash, suite.name)
      if (cached) {
        scores.set(task.label, {label: task.label, accuracy: cached.accuracy, ...(cached.categories ? {categories: cached.categories} : {}), examples: cached.examples, seconds: cached.seconds, cached: true})
        options.onProgress?.({kind: 'task-cached', task: task.label, accuracy: cached.accuracy})
        continue
      }
      const file = join(dataDir, task.dataset)
      if (!existsSync(file)) {
        missing.push({label: task.label, file})
        options.onProgress?.({kind: 'task-missing', task: task.label, file})
        continue
      }
      options.onProgress?.({kind: 'task-start', task: task.label, index, count: tasks.length})
      const started = Date.now()
      const result = await evaluateTask(model, task, file, maxSeqLen, options)
      const seconds = (Date.now() - started) / 1000
      const entry: TaskCache = {label: task.label, model_hash: model.hash, suite: suite.name, ...result, seconds}
      await writeFileAtomic(join(cacheDir, `${task.label}.json`), `${JSON.stringify(entry)}\n`)
      scores.set(task.label, {label: task.label, accuracy: result.accuracy, ...(result.categories ? {categories: result.categories} : {}), examples: result.examples, seconds, cached: false})
      options.onProgress?.({kind: 'task-done', task: task.label, accuracy: result.accuracy, seconds})
    }
    heldout = await runHeldoutStep(model, suite, options)
    // cached results of tasks not asked for this time still belong to this model's eval JSON
    for (const task of suite.tasks) {
      if (scores.has(task.label)) continue
      const cached = readTaskCache(join(cacheDir, `${task.label}.json`), model.hash, suite.name)
      if (cached) scores.set(task.label, {label: task.label, accuracy: cached.accuracy, ...(cached.categories ? {categories: cached.categories} : {}), examples: cached.examples, seconds: cached.seconds, cached: true})
    }
  } finally {
    await model.release()
  }
  // Caches of another model only: still nothing scored, and no eval JSON of N/A is written.
  if (scores.size === 0 && !heldout) throw noEvalData(dataDir, tasks, options.fetchCommand)

  const icl: Record<string, number> = {}
  for (const task of suite.tasks) {
    const score = scores.get(task.label)
    if (score) icl[task.label] = score.accuracy
  }
  const aggregated = aggregateAllVersions(
    // `perplexity` is where DCLM's eval JSON keeps open_lm's validation loss (spec dclm.md §7)
    {name: suite.evalName, uuid: randomUUID(), model: model.meta.model, creation_date: pacificTimestamp(new Date()), eval_metrics: {icl, ...(heldout ? {perplexity: heldout.loss} : {})}},
    suite.aggregation,
  )
  // Which model folder this evaluated (its model hash), so `bench submit` can bind the scores to it.
  const record: EvalRecord = {...aggregated, [DCLM_EVAL_DCBENCH_KEY]: {model_sha256: model.hash, suite: suite.name, harness_version: harnessVersion()}}
  const evalFile = join(options.outDir, `evaluation_${model.meta.model.replaceAll('/', '-')}_${basename(suite.evalName)}.json`)
  await writeDclmEvalFile(evalFile, record)
  const {name: _n, uuid: _u, model: _m, creation_date: _c, eval_metrics: _e, ...aggregates} = aggregated
  return {
    evalFile,
    record,
    suite: suite.name,
    modelHash: model.hash,
    harnessVersion: harnessVersion(),
    tasks: suite.tasks.filter((t) => scores.has(t.label)).map((t) => scores.get(t.label)!),
    missing,
    aggregates,
    headline: {name: 'Core', value: record.Core as number | string},
    ...(heldout ? {heldout} : {}),
  }
}

/** The held-out loss step (heldout-loss.ts): tiny-world text for synthetic suites, else `heldoutDir` if given. */
async function runHeldoutStep(model: LmModel, suite: LmSuite, options: EvaluateDclmOptions): Promise<HeldoutLoss | undefined> {
  let sequences: number[][]
  let source: string
  if (options.heldoutDir !== undefined) {
    sequences = await readTokshufSequences(options.heldoutDir)
    source = options.heldoutDir
  } else if (suite.synthetic) {
    sequences = tinyHeldoutSequences(model.tokenizer, suite.synthetic.worldSeed, model.meta.seq_len, model.meta.eot_token_id)
    source = `tiny-world:${suite.synthetic.worldSeed}`
  } else {
    return undefined
  }
  options.onProgress?.({kind: 'heldout-start', sequences: sequences.length, source})
  const result = await heldoutLoss(model, sequences, source, {maxBatchTokens: options.maxBatchTokens})
  options.onProgress?.({kind: 'heldout-done', loss: result.loss, tokens: result.tokens})
  return result
}

/** No task of the selection has its data file: an eval of nothing (exit 2), never an all-N/A eval JSON. */
function noEvalData(dataDir: string, tasks: readonly LmTask[], fetchCommand: string | undefined): DcbError {
  const first = tasks.slice(0, 3).map((task) => task.dataset).join(', ')
  return new DcbError('DCB_EVAL_DATA_MISSING', `${dataDir}: no data for any of the ${tasks.length} task(s) asked for (expected ${first}${tasks.length > 3 ? ', …' : ''})`, {
    suggestions: [fetchCommand === undefined ? 'pass --data, the folder that holds the task files' : `${fetchCommand} --data ${dataDir} downloads them (or pass --data, the folder that holds them)`],
  })
}

/** The suite's tasks asked for (all when none), in the order given; an unknown label is refused. */
export function selectTasks(suite: LmSuite, labels: string[] | undefined): LmTask[] {
  if (!labels || labels.length === 0) return suite.tasks
  return labels.map((label) => {
    const task = suite.tasks.find((t) => t.label === label)
    if (!task) throw unknownChoice(`task of suite ${suite.name}`, label, suite.tasks.map((t) => t.label))
    return task
  })
}

function readTaskCache(file: string, modelHash: string, suite: string): TaskCache | undefined {
  if (!existsSync(file)) return undefined
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as TaskCache
    return data.model_hash === modelHash && data.suite === suite && typeof data.accuracy === 'number' ? data : undefined
  } catch {
    return undefined
  }
}

/** Scores one task (all its category parts); the accuracy is DCLM's icl value. */
export async function evaluateTask(
  model: LmModel,
  task: LmTask,
  file: string,
  maxSeqLen: number,
  options: Pick<EvaluateDclmOptions, 'maxBatchTokens' | 'onProgress'> = {},
): Promise<{accuracy: number; categories?: Record<string, number>; examples: number; results: ExampleResult[]}> {
  const data = readIclFile(file, task.type)
  const parts: {category?: string; dataset: IclDataset}[] = task.hasCategories ? partitionByCategory(data, file) : [{dataset: data}]
  const total = parts.reduce((n, p) => n + p.dataset.examples.length, 0)
  let done = 0
  const results: ExampleResult[] = []
  const accuracies: number[] = []
  const categories: Record<string, number> = {}
  for (const part of parts) {
    const prepared = prepareTask(part.dataset, task, {tokenizer: model.tokenizer, maxSeqLen, eosTokenId: model.meta.eot_token_id, source: file})
    const scored = await scorePreparedTask(model, prepared, {stoppingCriteria: task.earlyStoppingCriteria, cotDelimiter: task.cotDelimiter, doNormalization: task.doNormalization}, {
      maxBatchTokens: options.maxBatchTokens,
      onProgress: (d, t) => options.onProgress?.({kind: 'rows', task: task.label, done: done + Math.round((d / t) * part.dataset.examples.length), total}),
    })
    done += part.dataset.examples.length
    results.push(...scored.results)
    accuracies.push(scored.accuracy)
    if (part.category !== undefined) categories[part.category] = scored.accuracy
  }
  // has_categories: DCLM reports the unweighted mean of the per-category accuracies (spec §5, verified);
  // the float summation order (category order, plain sum / n) is [unverified]
  const accuracy = parts.length === 1 ? accuracies[0]! : accuracies.reduce((a, b) => a + b, 0) / accuracies.length
  return {accuracy, ...(task.hasCategories ? {categories} : {}), examples: total, results}
}

/** DCLM's creation_date: US/Pacific wall time as `%Y_%m_%d-%H_%M_%S`. */
export function pacificTimestamp(date: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {timeZone: 'America/Los_Angeles', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit'})
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  )
  return `${parts.year}_${parts.month}_${parts.day}-${parts.hour}_${parts.minute}_${parts.second}`
}

