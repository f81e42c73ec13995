import {renderTable} from './table.js'

/** What renderAggregates prints: the aggregates of one results file and what they cover. */
export interface AggregatesView {
  aggregates: Record<string, number | null>
  scored: number
  expected: number
  partial: boolean
  missing: string[]
  groupCounts: Record<string, {present: number; expected: number}>
  suite: {id: string; version: string}
}

/** The aggregates table (4 decimals, as open_clip's results table stores them) plus a partial warning. */
export function renderAggregates(view: AggregatesView): string {
  const rows = Object.entries(view.aggregates).map(([name, value]) => {
    const counts = name === 'Average' ? {present: view.scored, expected: view.expected} : view.groupCounts[name]
    return [name, value === null ? '—' : value.toFixed(4), counts ? `${counts.present}/${counts.expected}` : '']
  })
  const lines = [renderTable(['aggregate', 'score', 'tasks'], rows), `suite ${view.suite.id} v${view.suite.version}`]
  if (view.partial) lines.push(`PARTIAL: ${view.missing.length} task(s) missing (${view.missing.join(', ')}); not comparable with official numbers`)
  return lines.join('\n')
}
