import type {RecheckDclmFileResult} from '../eval/dclm/eval-file.js'
import {renderTable} from './table.js'

/** A score as DCLM's README prints it: ×100, one decimal; strings (N/A …) as they are. */
export function formatScore(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : (value * 100).toFixed(1)
  return value === undefined ? '—' : String(value)
}

/** Headline aggregates (both baseline versions) and categories as one table. */
export function renderDclmAggregates(aggregates: Record<string, unknown>, mmluTask = 'mmlu_fewshot', icl?: Record<string, number>): string {
  const rows: (string | number)[][] = [
    ['CORE (v2)', formatScore(aggregates.Core_v2)],
    ['CORE (v1)', formatScore(aggregates.Core_v1)],
    ['EXTENDED (v2)', formatScore(aggregates.Extended_v2)],
    ['EXTENDED (v1)', formatScore(aggregates.Extended_v1)],
  ]
  if (icl && mmluTask in icl) rows.push([`MMLU (${mmluTask})`, formatScore(icl[mmluTask])])
  const categories = (aggregates.aggregated_task_categories_centered ?? {}) as Record<string, number>
  for (const [category, value] of Object.entries(categories)) rows.push([`  ${category} (centered)`, formatScore(value)])
  return renderTable(['aggregate', 'score ×100'], rows)
}

/** The report of `bench eval aggregate --benchmark dclm`. */
export function renderDclmRecheck(result: RecheckDclmFileResult): string {
  const lines = [renderDclmAggregates(result.recomputed)]
  if (result.ignoredTasks.length > 0) lines.push(`ignored (not DCLM tasks): ${result.ignoredTasks.join(', ')}`)
  if (result.disagreements.length === 0) {
    lines.push(`${result.file}: all ${result.compared.length} stored aggregates agree with the recomputed values`)
  } else {
    lines.push(`${result.file}: ${result.disagreements.length} stored aggregate(s) disagree:`)
    for (const d of result.disagreements) lines.push(`  ${d.key} (${d.version}): stored ${JSON.stringify(jsonSafe(d.stored))}, recomputed ${JSON.stringify(jsonSafe(d.recomputed))}`)
  }
  return lines.join('\n')
}

/** Deep copy with NaN/±Infinity as null, so the value is valid JSON for --json output. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (Array.isArray(value)) return value.map(jsonSafe)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]))
  return value
}
