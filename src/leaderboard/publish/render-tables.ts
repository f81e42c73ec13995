import type {RankedBoard, RankedRow} from '../rank.js'

/** A value as boards print it: fractions with 4 decimals (as DataComp's published tables store them). */
export function formatScore(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '' : value.toFixed(4)
}

/** The headline columns every format shows, in order: rank, method, submitter, status, subset size, aggregates. */
export function summaryColumns(board: RankedBoard): {label: string; value: (row: RankedRow) => string | number; numeric: boolean}[] {
  return [
    {label: 'Rank', value: (r) => r.rank, numeric: true},
    {label: 'Method', value: (r) => r.method, numeric: false},
    {label: 'Submitter', value: (r) => r.submitter, numeric: false},
    {label: 'Status', value: statusText, numeric: false},
    {label: board.size_column, value: (r) => r.subset_size, numeric: true},
    ...board.columns.map((c) => ({label: c.label, value: (r: RankedRow) => formatScore(r.aggregates[c.key]), numeric: true})),
  ]
}

/** A row's status as boards print it; an external checkpoint's entry says so. */
export function statusText(row: RankedRow): string {
  return row.origin === 'external' ? `${row.status} (external checkpoint)` : row.status
}

/** RFC 4180 CSV: one header line, then one line per ranked entry with every aggregate and task score. */
export function renderCsv(board: RankedBoard): string {
  const header = [
    'rank', 'method', 'submitter', 'status', 'subset_size',
    ...board.columns.map((c) => c.key),
    ...board.tasks.map((t) => t.key),
    'method_link', 'created_at', 'entry_id',
  ]
  const lines = [header.map(csvField).join(',')]
  for (const row of board.rows) {
    lines.push(
      [
        row.rank, row.method, row.submitter, statusText(row), row.subset_size,
        ...board.columns.map((c) => numberField(row.aggregates[c.key])),
        ...board.tasks.map((t) => numberField(row.tasks[t.key])),
        row.method_link ?? '', row.created_at, row.entry_id,
      ].map(csvField).join(','),
    )
  }
  return `${lines.join('\r\n')}\r\n`
}

function numberField(value: number | undefined): number | string {
  // Full precision in CSV: it is the machine-readable copy.
  return value === undefined ? '' : value
}

function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value)
  const text = value
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** A Markdown document with one ranked table per board. */
export function renderMarkdown(boards: readonly RankedBoard[], generatedAt: string): string {
  const out = ['# dcbench leaderboards', '', `Generated ${generatedAt}. Accuracies are fractions in [0, 1]; centered scores (DCLM Core, Extended) are 0 at chance and negative below it. Boards are ranked by their headline metric.`, '']
  for (const board of boards) {
    const columns = summaryColumns(board)
    out.push(`## ${boardTitle(board)}`, '', `Ranked by **${board.headline}** (${board.suite}). ${board.rows.length} entr${board.rows.length === 1 ? 'y' : 'ies'}.`, '')
    out.push(`| ${columns.map((c) => c.label).join(' | ')} |`)
    out.push(`|${columns.map((c) => (c.numeric ? '---:' : '---')).join('|')}|`)
    for (const row of board.rows) {
      out.push(`| ${columns.map((c) => markdownCell(c.label === 'Method' && row.method_link ? `[${row.method}](${row.method_link})` : String(c.value(row)))).join(' | ')} |`)
    }
    out.push('')
  }
  return out.join('\n')
}

function markdownCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ')
}

export function boardTitle(board: RankedBoard): string {
  return `${board.title} · ${board.scale} · ${board.track}`
}
