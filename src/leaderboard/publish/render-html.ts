import {readFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {join} from 'node:path'

import {packageRoot} from '../../util/paths.js'
import type {RankedBoard, RankedRow} from '../rank.js'
import {boardTitle, formatScore, summaryColumns} from './render-tables.js'

/** Rows of the per-task heatmap: the best entries of each board (all tasks × this many rows). */
export const HEATMAP_ROWS = 25

/** Files the page needs beside index.html: site path → absolute source path. */
export function htmlAssets(): Record<string, string> {
  const templates = join(packageRoot(), 'leaderboard/templates')
  const require = createRequire(import.meta.url)
  return {
    'assets/page.css': join(templates, 'page.css'),
    'assets/page.js': join(templates, 'page.js'),
    // Apache ECharts, the maintained charting library the plots use, bundled so the page needs no network.
    'assets/echarts.min.js': require.resolve('echarts/dist/echarts.min.js'),
    'assets/ECHARTS-LICENSE.txt': require.resolve('echarts/LICENSE'),
  }
}

export interface RenderHtmlOptions {
  boards: readonly RankedBoard[]
  generatedAt: string
  version: string
  entryCount: number
  /** Links to the other formats written beside the page (site-relative paths). */
  downloads: {label: string; href: string}[]
  title?: string
}

/** The static page: server-rendered tables (readable without scripts) plus the data the plots draw. */
export async function renderHtml(options: RenderHtmlOptions): Promise<string> {
  const template = await readFile(join(packageRoot(), 'leaderboard/templates/page.html'), 'utf8')
  const title = options.title ?? 'dcbench leaderboards'
  const nav = options.boards.map((b) => `<li><a href="#board-${escapeHtml(b.id)}">${escapeHtml(boardTitle(b))}</a></li>`).join('')
  const downloads = options.downloads.length > 0 ? options.downloads.map((d) => `<a href="${escapeHtml(d.href)}">${escapeHtml(d.label)}</a>`).join(', ') : 'none'
  const values: Record<string, string> = {
    title: escapeHtml(title),
    generated_at: escapeHtml(options.generatedAt),
    version: escapeHtml(options.version),
    entry_count: String(options.entryCount),
    nav,
    boards: options.boards.map(renderBoardSection).join('\n'),
    downloads,
    data: scriptJson({boards: options.boards.map(plotData)}),
  }
  return template.replace(/\{\{(\w+)\}\}/g, (match, key: string) => values[key] ?? match)
}

function renderBoardSection(board: RankedBoard): string {
  const columns = summaryColumns(board)
  const headlineLabel = board.columns.find((c) => c.key === board.headline)?.label ?? board.headline
  const head = columns
    .map((c) => {
      const classes = [c.numeric ? 'num' : '', c.label === headlineLabel ? 'headline' : ''].filter(Boolean).join(' ')
      const sort = c.label === 'Rank' ? 'ascending' : 'none'
      return `<th${classes ? ` class="${classes}"` : ''} data-type="${c.numeric ? 'number' : 'text'}" aria-sort="${sort}" scope="col"><button type="button">${escapeHtml(c.label)}</button></th>`
    })
    .join('')
  const body = board.rows
    .map((row) => {
      const cells = columns.map((c) => {
        const value = c.value(row)
        const classes = [c.numeric ? 'num' : '', c.label === headlineLabel ? 'headline' : ''].filter(Boolean).join(' ')
        const cls = classes ? ` class="${classes}"` : ''
        if (c.label === 'Method') {
          const name = row.method_link ? `<a href="${escapeHtml(row.method_link)}" rel="nofollow noopener">${escapeHtml(row.method)}</a>` : escapeHtml(row.method)
          return `<td${cls} data-value="${escapeHtml(row.method)}" title="${escapeHtml(row.description)}">${name}</td>`
        }
        if (c.label === 'Status') return `<td data-value="${escapeHtml(row.status)}"><span class="status ${escapeHtml(row.status)}">${escapeHtml(row.status)}</span>${row.origin === 'external' ? ' <span class="origin external">external checkpoint</span>' : ''}${contaminationBadge(row)}</td>`
        if (c.label === board.size_column) return `<td${cls} data-value="${row.subset_size}">${row.subset_size.toLocaleString('en-US')}</td>`
        return `<td${cls}>${escapeHtml(String(value))}</td>`
      })
      return `<tr data-entry="${escapeHtml(row.entry_id)}">${cells.join('')}</tr>`
    })
    .join('\n')
  return `<section class="board" id="board-${escapeHtml(board.id)}">
<h2>${escapeHtml(boardTitle(board))}</h2>
<p class="board-meta">Ranked by <strong>${escapeHtml(headlineLabel)}</strong> on the ${escapeHtml(board.suite)} suite · ${board.rows.length} entr${board.rows.length === 1 ? 'y' : 'ies'} · <a href="csv/${escapeHtml(board.id)}.csv">CSV</a></p>
<div class="table-wrap"><table class="ranking sortable" id="table-${escapeHtml(board.id)}">
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table></div>
<div class="plots">
<figure><div class="plot scatter" id="scatter-${escapeHtml(board.id)}" role="img" aria-label="${escapeHtml(headlineLabel)} versus dataset size"></div><figcaption>${escapeHtml(headlineLabel)} against the number of ${escapeHtml(board.size_noun)} in the subset (log scale), one point per entry.</figcaption></figure>
<figure><div class="plot heatmap" id="heatmap-${escapeHtml(board.id)}" role="img" aria-label="per-task scores"></div><figcaption>Main metric per task for the ${Math.min(HEATMAP_ROWS, board.rows.length)} best entries.</figcaption></figure>
</div>
</section>`
}

/** The organizer's contamination check of an entry, as a badge whose title gives the details. */
function contaminationBadge(row: RankedRow): string {
  const c = row.contamination
  if (!c) return ''
  const found = c.found.map((f) => `${f.task}: ${f.found} of ${f.total} ${f.kind}`).join('; ')
  const title = `Organizer check against ${c.suite} (${c.checked_at.slice(0, 10)}, key ${c.key_id.slice(0, 12)}…): ${c.records_flagged} of ${c.records_checked} training records hold eval items${found ? ` — ${found}` : ''}`
  const tasks = new Set(c.found.map((f) => f.task)).size
  const label = c.clean ? 'no eval overlap' : `eval overlap: ${tasks} task${tasks === 1 ? '' : 's'}`
  return ` <span class="contamination ${c.clean ? 'clean' : 'flagged'}" title="${escapeHtml(title)}">${escapeHtml(label)}</span>`
}

/** The compact data the page's plots draw: every entry for the scatter, the top rows for the heatmap. */
function plotData(board: RankedBoard): Record<string, unknown> {
  const headlineLabel = board.columns.find((c) => c.key === board.headline)?.label ?? board.headline
  return {
    id: board.id,
    headline_label: headlineLabel,
    size_label: board.size_noun,
    points: board.rows.map((r) => [r.subset_size, r.aggregates[board.headline] ?? null, r.method, r.status]),
    heatmap: {
      tasks: board.tasks.map((t) => t.name),
      rows: board.rows.slice(0, HEATMAP_ROWS).map((r) => ({
        label: `${r.rank}. ${r.method}`,
        scores: board.tasks.map((t) => roundForPlot(r.tasks[t.key])),
      })),
    },
  }
}

function roundForPlot(value: number | undefined): number | null {
  return value === undefined ? null : Number(formatScore(value))
}

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;')
}

/** JSON safe inside a <script> element: no `</script>` or `<!--` can close or comment it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c').replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029')
}
