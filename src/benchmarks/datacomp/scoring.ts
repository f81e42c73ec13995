import {aggregateDataComp} from '../../eval/datacomp/aggregate.js'
import {dirname, join} from 'node:path'

import {EVAL_INFO_FILE, readEvalInfo, readResultsFile, type DataCompResultRow} from '../../eval/datacomp/results-file.js'
import {loadSuite, scoredTasks} from '../../eval/datacomp/suite.js'
import type {SuiteScoring} from '../benchmark.js'

/** A DataComp-format suite: eval_results.jsonl in, aggregate_scores.py's numbers out (src/eval/datacomp). */
export function dataCompScoring(benchmark: string, id: string): SuiteScoring {
  const suite = loadSuite(id)
  const scored = scoredTasks(suite)
  const average = `Average (${scored.length} tasks)`
  return {
    benchmark,
    suite: suite.suite,
    version: suite.version,
    tasks: scored.map((t) => ({key: t.key, name: t.name, ...(t.group ? {group: t.group} : {}), examples: t.size})),
    aggregate(tasks) {
      // Rows in suite order, as evaluate.py writes them (the Average is numpy's pairwise sum in file order).
      const rows: DataCompResultRow[] = scored.filter((t) => t.key in tasks).map((t) => ({key: t.key, dataset: t.name, metrics: {main_metric: tasks[t.key] as number}}))
      const {aggregates} = aggregateDataComp(rows, {suite, source: 'entry eval.tasks'})
      return Object.fromEntries(Object.entries(aggregates).filter((pair): pair is [string, number] => pair[1] !== null))
    },
    headline: 'Average',
    columns: [...suite.groups.map((g) => ({key: g, label: g})), {key: 'Average', label: average}],
    // evaluate.py's results line format has no room for it: eval_info.json beside the file says.
    async readModelHash(file) {
      return readEvalInfo(join(dirname(file), EVAL_INFO_FILE))?.model_hash
    },
    companionFiles: (file) => [join(dirname(file), EVAL_INFO_FILE)],
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
