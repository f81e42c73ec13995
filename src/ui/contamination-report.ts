import type {ContaminationReport} from '../contamination/report.js'
import {renderTable, terminalWidth} from './table.js'

/** Findings listed under the table (the report file has all of them). */
const SHOWN_FINDINGS = 10

/**
 * The human summary of a contamination report: a table of every task and kind of item (found,
 * fraction, records flagged, by method, what could not be checked), the boilerplate dropped, the
 * first findings, and one verdict line.
 */
export function renderContaminationReport(report: ContaminationReport, out?: string): string {
  const rows: string[][] = []
  for (const task of report.tasks) {
    for (const part of task.parts) {
      const by = Object.entries(part.found_by).map(([method, n]) => `${method} ${n}`).join(', ')
      const unchecked = Object.entries(part.unchecked).filter(([, n]) => n > 0).map(([why, n]) => `${why.replaceAll('_', ' ')} ${n}`).join(', ')
      rows.push([task.task, part.kind, String(part.total), String(part.found), percent(part.fraction_found), String(task.records_flagged), by, unchecked])
    }
  }
  const lines = [renderTable(['task', 'items', 'total', 'found', 'fraction', 'records flagged', 'found by', 'not checked'], rows, {maxWidth: terminalWidth(), wrap: [0, 6, 7]})]
  for (const task of report.tasks) {
    const b = task.boilerplate
    if (b && b.ngrams > 0) lines.push(`${task.task}: ${b.ngrams} boilerplate n-gram(s) dropped (in more than ${b.max_examples} examples), e.g. "${b.samples[0]?.text ?? ''}"`)
  }
  for (const missing of report.missing_tasks) lines.push(`skipped ${missing.task}: no data at ${missing.expected}`)
  for (const note of report.notes) lines.push(note)
  for (const f of report.findings.slice(0, SHOWN_FINDINGS)) {
    const what = f.span ? `"${shorten(f.span.text, 80)}"` : f.distance !== undefined ? `distance ${f.distance}` : 'identical pixels'
    lines.push(`  ${f.record} (${f.where}): ${f.task} ${f.kind.replace(/s$/, '')} ${f.example}${f.eval_key ? ` [${f.eval_key}]` : ''} by ${f.method}: ${what}`)
  }
  if (report.findings_total > SHOWN_FINDINGS) lines.push(`  … ${report.findings_total - SHOWN_FINDINGS} more finding(s)${out ? ` in ${out}` : ' (write them all with --out)'}`)
  const source = report.source.subset ? `subset ${report.source.subset.file}` : report.source.train_data ? `training data ${report.source.train_data}` : `pool ${report.source.pool}`
  const verdict = report.clean
    ? `clean: no eval item of ${report.suite} found in ${report.source.records} records of ${source}`
    : `CONTAMINATED: ${report.records_flagged} of ${report.source.records} records of ${source} hold eval items of ${report.suite} (${report.findings_total} finding(s))`
  lines.push(`${verdict}${out ? `; report: ${out}` : ''}`)
  return lines.join('\n')
}

function percent(fraction: number): string {
  return fraction === 0 ? '0' : `${(fraction * 100).toPrecision(3)}%`
}

function shorten(text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ')
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat
}
