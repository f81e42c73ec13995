import {existsSync, mkdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {DcbError, ExitCode} from '../../errors.js'
import {writeFileAtomic} from '../../util/atomic-write.js'
import {harnessVersion} from '../../util/paths.js'
import {DecodePool} from '../clip/decode-pool.js'
import {loadClipModel, type ClipDevice} from '../clip/model.js'
import {aggregateDataComp, type DataCompAggregation} from './aggregate.js'
import {appendResultLine, readResultsFile, type DataCompResultRow} from './results-file.js'
import {INFERRED_DETAILS, runTask} from './run-task.js'
import {loadSuite, selectTasks, type Suite} from './suite.js'
import {resolveTaskData} from './task-data.js'

/** Progress of an evaluation: a task started, images encoded, a task finished or was skipped. */
export type EvalProgressEvent =
  | {kind: 'task-start'; task: string; index: number; count: number}
  | {kind: 'images'; task: string; done: number; total: number}
  | {kind: 'task-done'; task: string; mainMetric: number | null; seconds: number}
  | {kind: 'task-skipped'; task: string; reason: 'already in results'}

export interface EvaluateDataCompOptions {
  /** The model directory (RUN/model). */
  modelDir: string
  /** Folder holding the eval datasets (see resolveTaskData). */
  dataDir: string
  /** Output folder: eval_results.jsonl (appended per task) and eval_info.json. */
  outDir: string
  /** Suite id; default datacomp-38. */
  suite?: string
  /** Task keys to run (default: the whole suite). */
  tasks?: string[]
  /** Images (and texts) per batch; DataComp's default is 64. */
  batchSize?: number
  device?: ClipDevice
  /** Decode worker threads (default: cores − 1). */
  decodeThreads?: number
  /** onnxruntime intra-op threads. */
  threads?: number
  onProgress?: (event: EvalProgressEvent) => void
}

export interface EvaluateDataCompResult {
  resultsFile: string
  rows: DataCompResultRow[]
  /** Tasks run now, and those found finished in the results file. */
  ran: string[]
  skipped: string[]
  aggregation: DataCompAggregation
  modelHash: string
  suite: {id: string; version: string; sha256: string}
  harnessVersion: string
  device: ClipDevice
  inferred: Record<string, string>
}

/** What binds an output folder to one model and suite (evaluate.py's info.pkl check). */
interface EvalInfo {
  model_hash: string
  suite: string
  suite_version: string
}

function checkEvalInfo(outDir: string, info: EvalInfo): void {
  const file = join(outDir, 'eval_info.json')
  if (!existsSync(file)) return
  let existing: Partial<EvalInfo>
  try {
    existing = JSON.parse(readFileSync(file, 'utf8')) as Partial<EvalInfo>
  } catch {
    throw new DcbError('DCB_EVAL_OUT', `${file}: not valid JSON; remove it or use another --out`)
  }
  for (const field of ['model_hash', 'suite', 'suite_version'] as const) {
    if (existing[field] !== info[field]) {
      throw new DcbError('DCB_EVAL_OUT', `${file}: ${field} is ${String(existing[field])}, this evaluation's is ${info[field]}: the output folder belongs to another model or suite`, {
        suggestions: ['use another --out, or delete the folder to start over'],
      })
    }
  }
}

/**
 * `bench eval --benchmark datacomp`: evaluate a CLIP model directory on the suite, appending one
 * DataComp-format line per finished task to OUT/eval_results.jsonl. Tasks already in that file are
 * skipped (resume), as evaluate.py does; a crash loses only the task in progress.
 */
export async function evaluateDataComp(options: EvaluateDataCompOptions): Promise<EvaluateDataCompResult> {
  const suite: Suite = loadSuite(options.suite ?? 'datacomp-38')
  const tasks = selectTasks(suite, options.tasks)
  const batchSize = options.batchSize ?? 64
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new DcbError('DCB_USAGE', `--batch-size must be a positive integer, got ${batchSize}`)
  // Refuse missing data before loading anything: name every task whose data is absent.
  const missing = tasks.filter((task) => !resolveTaskData(options.dataDir, task))
  const model = await loadClipModel(options.modelDir, {device: options.device, threads: options.threads})
  const resultsFile = join(options.outDir, 'eval_results.jsonl')
  const info: EvalInfo = {model_hash: model.hash, suite: suite.suite, suite_version: suite.version}
  mkdirSync(options.outDir, {recursive: true})
  checkEvalInfo(options.outDir, info)

  const suiteKeys = new Set(suite.tasks.map((t) => t.key))
  const previous = existsSync(resultsFile) ? (await readResultsFile(resultsFile)).filter((row) => suiteKeys.has(row.key)) : []
  const finished = new Map<string, DataCompResultRow>(previous.map((row) => [row.dataset, row]))
  const todo = tasks.filter((task) => !finished.has(task.name))
  const missingTodo = missing.filter((task) => todo.includes(task))
  if (missingTodo.length > 0) {
    await model.release()
    throw new DcbError('DCB_EVAL_DATA_MISSING', `${options.dataDir}: no data for ${missingTodo.length} task(s): ${missingTodo.map((t) => `${t.key} (${t.hf_repo})`).join(', ')}`, {
      exitCode: ExitCode.Usage,
      suggestions: [`bench eval fetch --benchmark datacomp --data ${options.dataDir} downloads them`],
    })
  }
  await writeFileAtomic(join(options.outDir, 'eval_info.json'), `${JSON.stringify(info, null, 2)}\n`)

  const pool = new DecodePool(model.preprocess, options.decodeThreads)
  const ran: string[] = []
  try {
    for (const [index, task] of tasks.entries()) {
      if (finished.has(task.name)) {
        options.onProgress?.({kind: 'task-skipped', task: task.key, reason: 'already in results'})
        continue
      }
      options.onProgress?.({kind: 'task-start', task: task.key, index, count: tasks.length})
      const started = Date.now()
      const metrics = await runTask(task, {
        model,
        pool,
        dataDir: resolveTaskData(options.dataDir, task) as string,
        batchSize,
        onProgress: (done, total) => options.onProgress?.({kind: 'images', task: task.key, done, total}),
      })
      const main = metrics[task.main_metric]
      const row: DataCompResultRow = {key: task.key, dataset: task.name, metrics: {...metrics, main_metric: typeof main === 'number' ? main : null}}
      await appendResultLine(resultsFile, row)
      finished.set(task.name, row)
      ran.push(task.key)
      options.onProgress?.({kind: 'task-done', task: task.key, mainMetric: row.metrics.main_metric ?? null, seconds: (Date.now() - started) / 1000})
    }
  } finally {
    await pool.close()
    await model.release()
  }
  const rows = (await readResultsFile(resultsFile)).filter((row) => suiteKeys.has(row.key)).map(({line: _line, ...row}) => row)
  const aggregation = aggregateDataComp(rows, {suite, partial: true, source: resultsFile})
  return {
    resultsFile,
    rows,
    ran,
    skipped: tasks.filter((t) => !ran.includes(t.key)).map((t) => t.key),
    aggregation,
    modelHash: model.hash,
    suite: {id: suite.suite, version: suite.version, sha256: suite.sha256},
    harnessVersion: harnessVersion(),
    device: model.device,
    inferred: INFERRED_DETAILS,
  }
}

