import {DcbError} from '../../errors.js'
import {recheckDclmEvalFile} from '../../eval/dclm/eval-file.js'
import {evaluateDclm} from '../../eval/lm/evaluate.js'
import {jsonSafe, renderDclmRecheck} from '../../ui/dclm-eval-report.js'
import {renderTable} from '../../ui/table.js'
import type {AggregateFileOptions, EvalRunOptions, EvalRunOutcome, ReportOutcome} from '../benchmark.js'
import type {DclmDerived, DclmRecipe} from './recipe.js'

/**
 * DCLM's side of `bench eval` and `bench eval aggregate`: the LM eval runtime (src/eval/lm/) and
 * DCLM's aggregation (src/eval/dclm/), their `--json` documents and human reports.
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
