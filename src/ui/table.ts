import Table from 'cli-table3'

/** A plain cli-table3 table (no colours, so output is the same on a TTY and in a pipe). */
export function renderTable(head: string[], rows: (string | number)[][]): string {
  const table = new Table({head, style: {head: [], border: []}})
  for (const row of rows) table.push(row.map(String))
  return table.toString()
}
