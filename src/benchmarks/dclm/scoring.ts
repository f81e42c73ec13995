import {readFileSync} from 'node:fs'

import {applyAggregation, BASELINE_VERSIONS} from '../../eval/dclm/aggregate.js'
import {evaluatedModelHash, readDclmEvalFile} from '../../eval/dclm/eval-file.js'
import {loadLmSuite} from '../../eval/lm/suite.js'
import type {SuiteScoring} from '../benchmark.js'
import {sha256Hex} from '../../util/canonical-json.js'

/**
 * A DCLM-format suite: eval JSON in, DCLM's aggregated_metrics.py numbers out (src/eval/dclm). The
 * aggregates an entry carries are the numeric ones of both baseline versions (CORE/EXTENDED, the extra
 * lists, their centered forms); a "N/A due to missing tasks" string is not a score and is left out,
 * so an entry missing a CORE task has no `Core` and cannot be ranked.
 */
export function dclmScoring(benchmark: string, id: string): SuiteScoring {
  const suite = loadLmSuite(id)
  const meta = suite.aggregation
  const current = meta.currentVersion
  const mmlu = suite.mmluTask
  return {
    benchmark,
    suite: suite.name,
    // The DCLM suite file has no version field: its content hash versions it.
    version: `sha256:${sha256Hex(readFileSync(suite.file)).slice(0, 16)}`,
    tasks: suite.tasks.map((t) => ({key: t.label, name: t.label, group: t.category, examples: t.datapoints})),
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
    async readModelHash(file) {
      return evaluatedModelHash(await readDclmEvalFile(file))
    },
    // DCLM's eval JSON carries the model hash itself (eval/dclm/eval-file.ts).
    companionFiles: () => [],
    async readResults(file) {
      const record = await readDclmEvalFile(file)
      const icl = (record.eval_metrics as {icl: Record<string, number>}).icl
      return Object.fromEntries(Object.entries(icl).filter(([, v]) => Number.isFinite(v)))
    },
  }
}
