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

/** A row's status as boards print it: an external checkpoint's entry and a contamination check say so. */
export function statusText(row: RankedRow): string {
  const status = row.origin === 'external' ? `${row.status} (external checkpoint)` : row.status
  return row.contamination ? `${status}, ${row.contamination.clean ? 'no eval overlap' : 'eval overlap'}` : status
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
  // A spreadsheet runs a cell that starts with = + - @ (or a tab or CR before one) as a formula:
  // OWASP's defence, a leading apostrophe, keeps entry text text.
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
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
      out.push(`| ${columns.map((c) => (c.label === 'Method' ? markdownLink(row.method, row.method_link) : markdownText(String(c.value(row))))).join(' | ')} |`)
    }
    out.push('')
  }
  return out.join('\n')
}

/**
 * Entry text as Markdown that renders as the text itself: HTML's special characters as entities (a
 * renderer that passes raw HTML through shows them as text), the punctuation that makes Markdown inside
 * a table cell backslash-escaped (no link, image, code, emphasis or cell break can be made from it),
 * line breaks as spaces.
 */
export function markdownText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[&<>]/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;'})[c] as string)
    .replace(/[\\`*_[\]()!|~]/g, '\\$&')
}

/** A method name linked to its http(s) write-up; any other link is left out. */
function markdownLink(text: string, link: string | undefined): string {
  const url = link === undefined ? undefined : httpUrl(link)
  return url ? `[${markdownText(text)}](${url})` : markdownText(text)
}

/** The URL with the characters that would end a Markdown link destination percent-encoded; undefined unless http(s). */
function httpUrl(link: string): string | undefined {
  let url: URL
  try {
    url = new URL(link)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  return url.href.replace(/[()<>\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
}

export function boardTitle(board: RankedBoard): string {
  return `${board.title} · ${board.scale} · ${board.track}`
}
