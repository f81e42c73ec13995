import {DcbError} from '../../errors.js'
import {recheckDclmEvalFile} from '../../eval/dclm/eval-file.js'
import {evaluateDclm} from '../../eval/lm/evaluate.js'
import {loadLmSuite} from '../../eval/lm/suite.js'
import {defaultDataDir} from '../../hub/cache.js'
import {formatBytes} from '../../ui/bytes.js'
import {jsonSafe, renderDclmRecheck} from '../../ui/dclm-eval-report.js'
import {firstFew} from '../../ui/first-few.js'
import {renderTable} from '../../ui/table.js'
import type {AggregateFileOptions, EvalFetchOptions, EvalRunOptions, EvalRunOutcome, ReportOutcome} from '../benchmark.js'
import {fetchDclmLocalData, loadLocalDataManifest, localDataProvenance} from './local-data.js'
import type {DclmDerived, DclmRecipe} from './recipe.js'

/**
 * DCLM's side of `bench eval`, `bench eval aggregate` and `bench eval fetch`: the LM eval runtime
 * (src/eval/lm/), DCLM's aggregation (src/eval/dclm/) and its data files (local-data.ts), their
 * `--json` documents and human reports.
 */

export async function runDclmEval(options: EvalRunOptions<DclmRecipe, DclmDerived>): Promise<EvalRunOutcome> {
  const report = options.onProgress
  const result = await evaluateDclm({
    suite: options.scale.recipe.eval_suite,
    modelDir: options.modelDir,
    ...(options.dataDir === undefined ? {} : {dataDir: options.dataDir}),
    outDir: options.outDir,
    tasks: options.tasks,
    device: options.device,
    maxBatchTokens: options.batchTokens,
    ...(options.heldoutDir === undefined ? {} : {heldoutDir: options.heldoutDir}),
    fetchCommand: `bench eval fetch --benchmark dclm --scale ${options.scale.scale}`,
    onProgress: (event) => {
      if (!report) return
      if (event.kind === 'task-start') report({kind: 'task-start', task: event.task, index: event.index, count: event.count, unit: 'examples'})
      else if (event.kind === 'rows') report({kind: 'progress', done: event.done, total: event.total})
      else if (event.kind === 'task-done') report({kind: 'task-done', task: event.task, message: `${event.task}: accuracy ${event.accuracy.toFixed(4)} (${event.seconds.toFixed(1)} s)`})
      else if (event.kind === 'task-cached') report({kind: 'note', message: `${event.task}: cached (${event.accuracy.toFixed(4)})`})
      else if (event.kind === 'task-missing') report({kind: 'note', message: `${event.task}: MISSING data file ${event.file}`})
      else if (event.kind === 'heldout-start') report({kind: 'note', message: `held-out loss: ${event.sequences} sequences from ${event.source}`})
      else report({kind: 'note', message: `held-out loss: ${event.loss.toFixed(4)} over ${event.tokens} tokens`})
    },
  })
  const fmt = (v: unknown): string => (typeof v === 'number' ? v.toFixed(4) : String(v))
  const lines = [
    renderTable(['task', 'accuracy', 'examples', ''], result.tasks.map((t) => [t.label, t.accuracy.toFixed(4), String(t.examples), t.cached ? 'cached' : ''])),
    renderTable(['aggregate', 'value'], ['Core_v2', 'Core_v1', 'Extended_v2', 'Extended_v1'].map((k) => [k, fmt(result.aggregates[k])])),
  ]
  if (result.missing.length > 0) lines.push(`MISSING: ${result.missing.length} task(s) without data: ${result.missing.map((m) => m.label).join(', ')}`)
  if (result.heldout) lines.push(`held-out loss ${result.heldout.loss.toFixed(4)} (${result.heldout.tokens} tokens, ${result.heldout.source}) → eval_metrics.perplexity`)
  // The task files' source: DCLM reads llm-foundry's unpinned head; dcbench records which commit's files these are.
  const suite = loadLmSuite(options.scale.recipe.eval_suite)
  const data = suite.synthetic || suite.name !== loadLocalDataManifest().suite ? undefined : await localDataProvenance(options.dataDir ?? defaultDataDir(), suite.tasks.filter((t) => result.tasks.some((r) => r.label === t.label)).map((t) => t.dataset))
  if (data) lines.push(`data: ${data.repo}@${data.commit} scripts/eval/local_data · ${data.matching} file(s) as recorded${data.differing.length > 0 ? ` · DIFFERENT from that commit: ${data.differing.join(', ')}` : ''}`)
  lines.push(`eval JSON: ${result.evalFile} · model ${result.modelHash.slice(0, 12)} · dcbench ${result.harnessVersion}`)
  return {
    resultsFile: result.evalFile,
    headline: result.headline,
    ok: true,
    text: lines.join('\n'),
    json: {
      suite: result.suite,
      modelHash: result.modelHash,
      harnessVersion: result.harnessVersion,
      evalFile: result.evalFile,
      tasks: result.tasks,
      missing: result.missing,
      headline: result.headline,
      aggregates: result.aggregates,
      heldout_loss: result.heldout ?? null,
      ...(data ? {data_source: {repo: data.repo, commit: data.commit, files_as_recorded: data.matching, files_different: data.differing}} : {}),
    },
  }
}

export async function recheckDclmResults(options: AggregateFileOptions): Promise<ReportOutcome> {
  const tolerance = options.tolerance ?? 0
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new DcbError('DCB_USAGE', `--tolerance: expected a number ≥ 0, received '${options.tolerance}'`)
  const result = await recheckDclmEvalFile({file: options.file, tolerance})
  return {
    json: jsonSafe({...result.recomputed, disagreements: result.disagreements, ignored_tasks: result.ignoredTasks}) as Record<string, unknown>,
    text: renderDclmRecheck(result),
    ok: result.disagreements.length === 0,
  }
}

export async function fetchDclmSuite(options: EvalFetchOptions<DclmRecipe, DclmDerived>): Promise<ReportOutcome> {
  const suite = options.scale?.recipe.eval_suite ?? loadLocalDataManifest().suite
  if (suite !== loadLocalDataManifest().suite) {
    throw new DcbError('DCB_NOT_AVAILABLE', `suite ${suite} (scale ${options.scale?.scale}) is generated locally, not fetched: bench eval generates it on first use`)
  }
  const result = await fetchDclmLocalData({
    dataDir: options.dataDir,
    tasks: options.tasks,
    offline: options.offline,
    baseUrl: options.sourceUrl,
    confirm: options.confirm,
    onProgress: (event) => options.onProgress?.({task: event.file, done: event.done, total: event.total}),
  })
  const text = [
    renderTable(['file', 'tasks', 'state', 'size', 'note'], result.files.map((f) => [f.path, f.tasks.join(', '), f.state, f.bytes === undefined ? '' : formatBytes(f.bytes), f.problem ?? ''])),
    `data: ${result.dataDir} · ${result.source.repo}@${result.source.commit} · ${result.files.length - result.unusable.length} of ${result.files.length} files ready · downloaded ${formatBytes(result.downloadedBytes)}`,
  ].join('\n')
  const failure =
    result.unusable.length === 0
      ? undefined
      : new DcbError('DCB_EVAL_DATA_UNUSABLE', `${result.dataDir}: ${result.unusable.length} file(s) not usable: ${firstFew(result.files.filter((f) => result.unusable.includes(f.path)).map((f) => `${f.path} (${f.state})`))}`, {
          suggestions: [options.offline ? 'run without --offline to download them' : 'see the note of each file above; GPQA must be converted from DCLM\'s zip by hand'],
        })
  return {
    json: {
      offline: options.offline,
      data_dir: result.dataDir,
      source: result.source,
      files: result.files.map(({plannedBytes, downloadedBytes, ...f}) => ({...f, ready: !result.unusable.includes(f.path), ...(plannedBytes === undefined ? {} : {planned_bytes: plannedBytes}), ...(downloadedBytes === undefined ? {} : {downloaded_bytes: downloadedBytes})})),
      plan: {tasks: result.plan.tasks, total_bytes: result.plan.totalBytes},
      downloaded_bytes: result.downloadedBytes,
      unusable: result.unusable,
    },
    text,
    ok: failure === undefined,
    failure,
  }
}
