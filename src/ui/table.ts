import Table from 'cli-table3'

/** How a table is laid out. */
export interface RenderTableOptions {
  /**
   * Wrap columns at word boundaries, widest first, so that no line is longer than this many
   * characters (e.g. `terminalWidth()`); a word longer than its column is split.
   */
  maxWidth?: number
  /** The columns (indexes) that may be wrapped to fit maxWidth; default: every column. */
  wrap?: readonly number[]
}

/** A plain cli-table3 table (no colours, so output is the same on a TTY and in a pipe). */
export function renderTable(head: string[], rows: (string | number)[][], options: RenderTableOptions = {}): string {
  let cells = rows.map((row) => row.map(String))
  const colWidths = options.maxWidth === undefined ? undefined : fitColumns([head, ...cells], options.maxWidth, options.wrap)
  if (colWidths) {
    cells = cells.map((row) => row.map((cell, i) => (longestLine(cell) > colWidths[i]! - CELL_PADDING ? wrapText(cell, colWidths[i]! - CELL_PADDING) : cell)))
  }
  const table = new Table({head, style: {head: [], border: []}, ...(colWidths ? {colWidths} : {})})
  for (const row of cells) table.push(row)
  return table.toString()
}

/** The terminal's width when stdout is one, else $COLUMNS when set; undefined for a pipe (no wrapping). */
export function terminalWidth(): number | undefined {
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns
  const columns = Number(process.env.COLUMNS)
  return Number.isInteger(columns) && columns > 0 ? columns : undefined
}

/** cli-table3's default padding: one space each side of a cell. */
const CELL_PADDING = 2
/** No wrapped column gets narrower than this (text width), however small the terminal. */
const MIN_WRAPPED_WIDTH = 8

/** Column widths (padding included) that fit `maxWidth`, or undefined when the table already fits. */
function fitColumns(rows: string[][], maxWidth: number, wrap: readonly number[] | undefined): number[] | undefined {
  const count = Math.max(...rows.map((row) => row.length))
  const widths = Array.from({length: count}, (_, i) => Math.max(...rows.map((row) => longestLine(row[i] ?? ''))) + CELL_PADDING)
  const floors = widths.map((width, i) => (wrap === undefined || wrap.includes(i) ? Math.min(width, MIN_WRAPPED_WIDTH + CELL_PADDING) : width))
  const budget = maxWidth - (count + 1) // one border character before, between and after the columns
  let total = widths.reduce((a, b) => a + b, 0)
  if (total <= budget) return undefined
  while (total > budget) {
    let widest = -1
    for (let i = 0; i < count; i++) if (widths[i]! > floors[i]! && (widest < 0 || widths[i]! > widths[widest]!)) widest = i
    if (widest < 0) break
    widths[widest]!--
    total--
  }
  return widths
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
