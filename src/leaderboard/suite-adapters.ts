import {aggregateDataComp, loadSuite, readResultsFile, scoredTasks, type DataCompResultRow} from '../eval/datacomp/index.js'
import type {SuiteResolver, SuiteScoring} from './suites.js'

/**
 * The eval suites the leaderboard knows, each wired to its eval module (src/eval/<benchmark>/): task
 * list, aggregator and results reader come from there, never from here.
 */
const adapters: Record<string, () => SuiteScoring> = {
  'datacomp-38': () => dataCompScoring('datacomp-38'),
  'tiny-clip': () => dataCompScoring('tiny-clip'),
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
