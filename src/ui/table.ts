import Table from 'cli-table3'

/** How a table is laid out. */
export interface RenderTableOptions {
  /**
   * Wrap columns at word boundaries, widest first, so that no line is longer than this many
   * characters; a word longer than its column is split. Default: the terminal's width
   * (`terminalWidth()`), none under `--wide` (setTableLayout).
   */
  maxWidth?: number
  /**
   * The columns (indexes) of prose that may be wrapped, long words split, to fit maxWidth. Default:
   * every column, wrapped at spaces only.
   */
  wrap?: readonly number[]
}

/** The process-wide choice of `--wide`, which every command accepts (src/cli/base-command.ts). */
export interface TableLayout {
  /** Print tables at their natural width, however wide the terminal. */
  wide: boolean
}

let layout: TableLayout = {wide: false}

/** Sets how every table of this process is laid out: the CLI calls it once per command, from `--wide`. */
export function setTableLayout(next: TableLayout): void {
  layout = {...next}
}

/**
 * A plain cli-table3 table (no colours, so output is the same on a TTY and in a pipe), fitted to
 * the terminal: columns are wrapped, and a table that cannot fit even so (too many columns) is
 * printed vertically, one `column: value` line per cell and a blank line between rows.
 */
export function renderTable(head: string[], rows: (string | number)[][], options: RenderTableOptions = {}): string {
  let cells = rows.map((row) => row.map(String))
  const maxWidth = layout.wide ? undefined : (options.maxWidth ?? terminalWidth())
  const colWidths = maxWidth === undefined ? undefined : fitColumns([head, ...cells], maxWidth, options.wrap)
  if (colWidths === 'too-narrow') return renderVertical(head, cells, maxWidth!)
  if (colWidths) {
    cells = cells.map((row) => row.map((cell, i) => (longestLine(cell) > colWidths[i]! - CELL_PADDING ? wrapText(cell, colWidths[i]! - CELL_PADDING) : cell)))
  }
  const table = new Table({head, style: {head: [], border: []}, ...(colWidths ? {colWidths} : {})})
  for (const row of cells) table.push(row)
  return table.toString()
}

/** One `column: value` line per cell (continuation lines indented), rows separated by a blank line. */
function renderVertical(head: string[], rows: string[][], maxWidth: number): string {
  const label = Math.min(Math.max(...head.map((h) => h.length)), Math.floor(maxWidth / 3))
  const valueWidth = Math.max(MIN_WRAPPED_WIDTH, maxWidth - label - 2)
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          const lines = wrapText(cell, valueWidth).split('\n')
          const name = (head[i] ?? '').slice(0, label).padEnd(label)
          return [`${name}  ${lines[0]}`.trimEnd(), ...lines.slice(1).map((line) => `${' '.repeat(label + 2)}${line}`)].join('\n')
        })
        .join('\n'),
    )
    .join('\n\n')
}

/** The terminal's width when stdout is one, else $COLUMNS when set; undefined for a pipe (no wrapping). */
export function terminalWidth(): number | undefined {
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns
  const columns = Number(process.env.COLUMNS)
  return Number.isInteger(columns) && columns > 0 ? columns : undefined
}

/** cli-table3's default padding: one space each side of a cell. */
const CELL_PADDING = 2
/** No wrapped column gets narrower than this (text width) or than its longest word; a table that cannot fit so is printed vertically. */
const MIN_WRAPPED_WIDTH = 8

/**
 * Column widths (padding included) that fit `maxWidth`, undefined when the table already fits, or
 * 'too-narrow' when even the narrowest wrapped columns are wider than `maxWidth`.
 */
function fitColumns(rows: string[][], maxWidth: number, wrap: readonly number[] | undefined): number[] | undefined | 'too-narrow' {
  const count = Math.max(...rows.map((row) => row.length))
  const widths = Array.from({length: count}, (_, i) => Math.max(...rows.map((row) => longestLine(row[i] ?? ''))) + CELL_PADDING)
  // Columns the caller named as prose (`wrap`) may have long words split; otherwise a column is never
  // narrower than its longest word (a hash or a task key cut in two is unreadable): vertical instead.
  const floors = widths.map((width, i) => {
    if (wrap !== undefined && !wrap.includes(i)) return width
    const floor = wrap === undefined ? Math.max(MIN_WRAPPED_WIDTH, ...rows.map((row) => longestWord(row[i] ?? ''))) : MIN_WRAPPED_WIDTH
    return Math.min(width, floor + CELL_PADDING)
  })
  const budget = maxWidth - (count + 1) // one border character before, between and after the columns
  let total = widths.reduce((a, b) => a + b, 0)
  if (total <= budget) return undefined
  while (total > budget) {
    let widest = -1
    for (let i = 0; i < count; i++) if (widths[i]! > floors[i]! && (widest < 0 || widths[i]! > widths[widest]!)) widest = i
    if (widest < 0) return 'too-narrow'
    widths[widest]!--
    total--
  }
  return widths
}

function longestWord(text: string): number {
  return Math.max(0, ...text.split(/\s+/).map((word) => word.length))
}

function longestLine(text: string): number {
  return Math.max(0, ...text.split('\n').map((line) => line.length))
}

/** Greedy word wrap to `width` characters a line; words longer than a line are split. */
function wrapText(text: string, width: number): string {
  const out: string[] = []
  for (const paragraph of text.split('\n')) {
    let line = ''
    for (let word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      while (word.length > width) {
        if (line !== '') out.push(line)
        out.push(word.slice(0, width))
        word = word.slice(width)
        line = ''
      }
      if (line === '') line = word
      else if (line.length + 1 + word.length <= width) line += ` ${word}`
      else {
        out.push(line)
        line = word
      }
    }
    out.push(line)
  }
  return out.join('\n')
}
