import type {QuickstartResult} from '../quickstart/run.js'
import {renderTable} from './table.js'

/** The quickstart's closing summary: one row per baseline, best first within each benchmark. */
export function renderQuickstartReport(result: QuickstartResult): string {
  const rows = [...result.rows].sort((a, b) => (a.benchmark === b.benchmark ? b.headline - a.headline : a.benchmark < b.benchmark ? -1 : 1))
  const table = renderTable(
    ['benchmark', 'filter', 'subset', '% of pool', 'headline', 'score', 'final loss', 'train s'],
    rows.map((r) => [
      r.benchmark,
      r.filter,
      r.subset_size,
      Number.isFinite(r.fraction_of_pool) ? (100 * r.fraction_of_pool).toFixed(1) : '?',
      r.headline_name,
      r.headline.toFixed(4),
      r.final_loss === null ? '-' : r.final_loss.toFixed(3),
      r.train_seconds.toFixed(0),
    ]),
  )
  const times = Object.entries(result.seconds)
    .map(([k, v]) => `${k} ${(v / 60).toFixed(1)} min`)
    .join(', ')
  return [table, `leaderboard: ${result.site.html}`, `            ${result.site.markdown}`, `time: ${times} (executor: ${result.executor})`].join('\n')
}
