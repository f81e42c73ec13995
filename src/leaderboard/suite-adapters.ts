import {readFileSync} from 'node:fs'

import {aggregateDataComp, loadSuite, readResultsFile, scoredTasks, type DataCompResultRow} from '../eval/datacomp/index.js'
import {applyAggregation, BASELINE_VERSIONS} from '../eval/dclm/aggregate.js'
import {readDclmEvalFile} from '../eval/dclm/eval-file.js'
import {loadLmSuite} from '../eval/lm/suite.js'
import {sha256Hex} from '../util/canonical-json.js'
import type {SuiteResolver, SuiteScoring} from './suites.js'

/**
 * The eval suites the leaderboard knows, each wired to its eval module (src/eval/<benchmark>/): task
 * list, aggregator and results reader come from there, never from here.
 */
const adapters: Record<string, () => SuiteScoring> = {
  'datacomp-38': () => dataCompScoring('datacomp-38'),
  'tiny-clip': () => dataCompScoring('tiny-clip'),
  'dclm-53': () => dclmScoring('dclm-53'),
  'dclm-tiny': () => dclmScoring('dclm-tiny'),
}

/** A DataComp-format suite: eval_results.jsonl in, aggregate_scores.py's numbers out (src/eval/datacomp). */
function dataCompScoring(id: string): SuiteScoring {
  const suite = loadSuite(id)
  const scored = scoredTasks(suite)
  const average = `Average (${scored.length} tasks)`
  return {
    benchmark: 'datacomp',
    suite: suite.suite,
    version: suite.version,
    tasks: scored.map((t) => ({key: t.key, name: t.name, ...(t.group ? {group: t.group} : {})})),
    aggregate(tasks) {
      // Rows in suite order, as evaluate.py writes them (the Average is numpy's pairwise sum in file order).
      const rows: DataCompResultRow[] = scored.filter((t) => t.key in tasks).map((t) => ({key: t.key, dataset: t.name, metrics: {main_metric: tasks[t.key] as number}}))
      const {aggregates} = aggregateDataComp(rows, {suite, source: 'entry eval.tasks'})
      return Object.fromEntries(Object.entries(aggregates).filter((pair): pair is [string, number] => pair[1] !== null))
    },
    headline: 'Average',
    columns: [...suite.groups.map((g) => ({key: g, label: g})), {key: 'Average', label: average}],
    async readResults(file) {
      const rows = await readResultsFile(file)
      // Validates names, keys and duplicates the way aggregation does (completeness is checked later).
      aggregateDataComp(rows, {suite, partial: true, source: file})
      const tasks: Record<string, number> = {}
      for (const row of rows) if (typeof row.metrics.main_metric === 'number') tasks[row.key] = row.metrics.main_metric
      return tasks
    },
  }
}

/**
 * A DCLM-format suite: eval JSON in, DCLM's aggregated_metrics.py numbers out (src/eval/dclm). The
 * aggregates an entry carries are the numeric ones of both baseline versions (CORE/EXTENDED, the extra
 * lists, their centered forms); a "N/A due to missing tasks" string is not a score and is left out,
 * so an entry missing a CORE task has no `Core` and cannot be ranked.
 */
function dclmScoring(id: string): SuiteScoring {
  const suite = loadLmSuite(id)
  const meta = suite.aggregation
  const current = meta.currentVersion
  const mmlu = suite.mmluTask
  return {
    benchmark: 'dclm',
    suite: suite.name,
    // The DCLM suite file has no version field: its content hash versions it.
    version: `sha256:${sha256Hex(readFileSync(suite.file)).slice(0, 16)}`,
    tasks: suite.tasks.map((t) => ({key: t.label, name: t.label, group: t.category})),
    aggregate(tasks) {
      const out: Record<string, number> = {}
      let data: Record<string, unknown> = {eval_metrics: {icl: tasks}}
      for (const version of BASELINE_VERSIONS) {
        data = applyAggregation(data, meta, version)
        for (const key of [`Core_${version}`, `Extended_${version}`]) if (typeof data[key] === 'number' && Number.isFinite(data[key])) out[key] = data[key]
      }
      data = applyAggregation(data, meta, current)
      for (const key of ['Core', 'Extended', ...Object.keys(meta.lists).map((k) => `${k}_centered`)]) {
        if (typeof data[key] === 'number' && Number.isFinite(data[key])) out[key] = data[key]
      }
      if (mmlu && typeof tasks[mmlu] === 'number') out.MMLU = tasks[mmlu]
      return out
    },
    headline: 'Core',
    columns: [
      {key: 'Core', label: `CORE (${suite.core.length} tasks, centered)`},
      {key: 'Extended', label: `EXTENDED (${suite.tasks.length} tasks, centered)`},
      ...(mmlu ? [{key: 'MMLU', label: 'MMLU'}] : []),
    ],
    async readResults(file) {
      const record = await readDclmEvalFile(file)
      const icl = (record.eval_metrics as {icl: Record<string, number>}).icl
      return Object.fromEntries(Object.entries(icl).filter(([, v]) => Number.isFinite(v)))
    },
  }
}

const cache = new Map<string, SuiteScoring>()

/** The suites dcbench carries. */
export const defaultSuites: SuiteResolver = (suite) => {
  const cached = cache.get(suite)
  if (cached) return cached
  const make = adapters[suite]
  if (!make) return undefined
  const scoring = make()
  cache.set(suite, scoring)
  return scoring
}
