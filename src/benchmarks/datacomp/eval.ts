import {DcbError} from '../../errors.js'
import {aggregateDataCompFile} from '../../eval/datacomp/aggregate-file.js'
import {evaluateDataComp} from '../../eval/datacomp/evaluate.js'
import {fetchDataCompData} from '../../eval/datacomp/fetch.js'
import {renderAggregates} from '../../ui/eval-report.js'
import {formatBytes} from '../../ui/bytes.js'
import {firstFew} from '../../ui/first-few.js'
import {renderTable} from '../../ui/table.js'
import type {AggregateFileOptions, EvalFetchOptions, EvalRunOptions, EvalRunOutcome, ReportOutcome} from '../benchmark.js'
import type {DataCompDerived, DataCompRecipe} from './recipe.js'

/**
 * DataComp's side of `bench eval`, `bench eval aggregate` and `bench eval fetch`: the eval module's
 * library functions (src/eval/datacomp/), their `--json` documents and human reports.
 */

export async function runDataCompEval(options: EvalRunOptions<DataCompRecipe, DataCompDerived>): Promise<EvalRunOutcome> {
  let generating: string | undefined
  const result = await evaluateDataComp({
    modelDir: options.modelDir,
    dataDir: options.dataDir,
    outDir: options.outDir,
    suite: options.scale.recipe.eval_suite,
    tasks: options.tasks,
    batchSize: options.batchSize,
    device: options.device,
    decodeThreads: options.decodeThreads,
    onProgress: (event) => {
      const report = options.onProgress
      if (!report) return
      if (event.kind === 'generate') {
        if (event.done === 0 || generating !== event.task) report({kind: 'task-start', task: event.task, index: 0, count: 1, unit: 'images', label: `generating ${event.task}`})
        generating = event.task
        report({kind: 'progress', done: event.done, total: event.total})
        if (event.done === event.total) {
          report({kind: 'task-done', task: event.task, message: `${event.task}: generated ${event.total} images`})
          generating = undefined
        }
      } else if (event.kind === 'task-start') report({kind: 'task-start', task: event.task, index: event.index, count: event.count, unit: 'images'})
      else if (event.kind === 'images') report({kind: 'progress', done: event.done, total: event.total})
      else if (event.kind === 'task-done') report({kind: 'task-done', task: event.task, message: `${event.task}: main metric ${event.mainMetric === null ? 'none' : event.mainMetric.toFixed(4)} (${event.seconds.toFixed(1)} s)`})
      else report({kind: 'note', message: `${event.task}: skipped, ${event.reason}`})
    },
  })
  const text = [
    renderTable(['task', 'dataset', 'main metric'], result.rows.map((r) => [r.key, r.dataset, typeof r.metrics.main_metric === 'number' ? r.metrics.main_metric.toFixed(4) : '—'])),
    renderAggregates(result.aggregation),
    `results: ${result.resultsFile} · per-example predictions: ${result.predictionsDir} · model ${result.modelHash.slice(0, 12)} · dcbench ${result.harnessVersion}`,
  ].join('\n')
  return {
    resultsFile: result.resultsFile,
    headline: result.headline,
    ok: true,
    text,
    json: {
      suite: result.suite,
      modelHash: result.modelHash,
      harnessVersion: result.harnessVersion,
      device: result.device,
      resultsFile: result.resultsFile,
      dataDir: result.dataDir,
      generated: result.generated,
      ran: result.ran,
      skipped: result.skipped,
      recovered: result.recovered,
      predictions_dir: result.predictionsDir,
      tasks: result.rows.map((r) => ({key: r.key, dataset: r.dataset, main_metric: r.metrics.main_metric ?? null})),
      aggregates: result.aggregates,
      headline: result.headline,
      partial: result.aggregation.partial,
      missing: result.aggregation.missing,
      inferred: result.inferred,
    },
  }
}

export async function aggregateDataCompResults(options: AggregateFileOptions): Promise<ReportOutcome> {
  const result = await aggregateDataCompFile({file: options.file, partial: options.partial})
  return {json: {benchmark: 'datacomp', ...result}, text: renderAggregates(result), ok: true}
}

export async function fetchDataCompSuite(options: EvalFetchOptions<DataCompRecipe, DataCompDerived>): Promise<ReportOutcome> {
  const result = await fetchDataCompData({
    suite: options.scale?.recipe.eval_suite,
    tasks: options.tasks,
    dataDir: options.dataDir,
    offline: options.offline,
    hubUrl: options.hubUrl,
    accessToken: options.accessToken,
    revision: options.revision,
    confirm: options.confirm,
    onProgress: (event) => options.onProgress?.({task: `${event.task} (${event.repo})`, done: event.done, total: event.total, detail: event.file}),
  })
  const text = [
    renderTable(['task', 'state', 'samples', 'fetched', 'note'], result.tasks.map((t) => [t.key, t.state, `${t.samples ?? '—'}/${t.expected}`, t.downloadedBytes === undefined ? '' : formatBytes(t.downloadedBytes), t.problem ?? ''])),
    `data: ${result.dataDir} · ${result.tasks.length - result.unusable.length} of ${result.tasks.length} tasks ready · downloaded ${formatBytes(result.downloadedBytes)}`,
  ].join('\n')
  const failure =
    result.unusable.length === 0
      ? undefined
      : new DcbError('DCB_EVAL_DATA_UNUSABLE', `${result.dataDir}: ${result.unusable.length} task(s) not usable: ${firstFew(result.tasks.filter((t) => result.unusable.includes(t.key)).map((t) => `${t.key} (${t.state === 'refused' ? t.problem : `${t.state}: ${t.repo}`})`))}`, {
          suggestions: options.offline ? ['run without --offline to download them'] : ['see the note of each task above'],
        })
  return {
    json: {
      offline: options.offline,
      ...result,
      tasks: result.tasks.map(({plannedBytes, ...t}) => ({...t, ready: !result.unusable.includes(t.key), ...(plannedBytes === undefined ? {} : {planned_bytes: plannedBytes})})),
      plan: {tasks: result.plan.tasks, total_bytes: result.plan.totalBytes},
      ready: result.tasks.length - result.unusable.length,
    },
    text,
    ok: failure === undefined,
    failure,
  }
}
