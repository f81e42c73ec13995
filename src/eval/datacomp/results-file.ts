import {readFileSync} from 'node:fs'
import {appendFile, readFile} from 'node:fs/promises'

import {DcbError} from '../../errors.js'
import {parsePythonJson, pythonJsonDumps, type PyJsonValue} from '../../util/python-json.js'
import {parseStrictJson} from '../../util/strict-json.js'

/** The metric values of one task: floats, null, or (for flagged details) strings and lists. */
export type TaskMetrics = {[metric: string]: PyJsonValue} & {main_metric?: number | null}

/**
 * One line of DataComp's `eval_results.jsonl` (spec §4.5):
 * `{"key": <task key>, "dataset": <display name>, "metrics": {…, "main_metric": <float or null>}}`.
 */
export interface DataCompResultRow {
  key: string
  dataset: string
  metrics: TaskMetrics
}

/** A parsed row with the line it came from (1-based). */
export interface ResultRowAt extends DataCompResultRow {
  line: number
}

/** The line evaluate.py writes for a row: `json.dumps(row)` + newline, keys in this order. */
export function formatResultLine(row: DataCompResultRow): string {
  return `${pythonJsonDumps({key: row.key, dataset: row.dataset, metrics: row.metrics})}\n`
}

/**
 * Parses a results file's text. Blank lines are skipped; anything else that is not a
 * `{key, dataset, metrics}` object is refused with its line number.
 */
export function parseResultsJsonl(text: string, file: string): ResultRowAt[] {
  const rows: ResultRowAt[] = []
  const lines = text.split('\n')
  for (const [index, raw] of lines.entries()) {
    const lineNo = index + 1
    if (raw.trim() === '') continue
    let value: unknown
    try {
      value = parsePythonJson(raw)
    } catch (error) {
      const last = index === lines.length - 1 && !text.endsWith('\n')
      throw new DcbError(
        'DCB_RESULTS_FILE',
        `${file}:${lineNo}: not a JSON line (${(error as Error).message})${last ? '; the last line has no newline — an interrupted write?' : ''}; expected {"key", "dataset", "metrics"} per line`,
      )
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new DcbError('DCB_RESULTS_FILE', `${file}:${lineNo}: expected a JSON object {"key", "dataset", "metrics"}, got ${Array.isArray(value) ? 'an array' : typeof value}`)
    }
    const row = value as Record<string, unknown>
    for (const field of ['key', 'dataset'] as const) {
      if (typeof row[field] !== 'string') {
        throw new DcbError('DCB_RESULTS_FILE', `${file}:${lineNo}: field '${field}' must be a string, got ${JSON.stringify(row[field]) ?? 'nothing'}`)
      }
    }
    const metrics = row.metrics
    if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) {
      throw new DcbError('DCB_RESULTS_FILE', `${file}:${lineNo}: field 'metrics' must be an object, got ${JSON.stringify(metrics) ?? 'nothing'}`)
    }
    const main = (metrics as Record<string, unknown>).main_metric
    if (main !== undefined && main !== null && typeof main !== 'number') {
      throw new DcbError('DCB_RESULTS_FILE', `${file}:${lineNo}: metrics.main_metric must be a number or null, got ${JSON.stringify(main)}`)
    }
    rows.push({key: row.key as string, dataset: row.dataset as string, metrics: metrics as TaskMetrics, line: lineNo})
  }
  return rows
}

/** The name of the file beside eval_results.jsonl that binds the folder to one model and suite. */
export const EVAL_INFO_FILE = 'eval_info.json'

/**
 * What binds an eval output folder to one model and suite (evaluate.py's info.pkl check): the model
 * hash of the folder it evaluated (src/contracts/model-folder.ts), the suite and its version.
 */
export interface EvalInfo {
  model_hash: string
  suite: string
  suite_version: string
}

/** The eval_info.json at `file`, or undefined when there is none; a malformed one is a one-line error. */
export function readEvalInfo(file: string): EvalInfo | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new DcbError('DCB_EVAL_OUT', `${file}: cannot read (${(error as NodeJS.ErrnoException).code})`)
  }
  let value: unknown
  try {
    value = parseStrictJson(text)
  } catch (error) {
    throw new DcbError('DCB_EVAL_OUT', `${file}: not valid JSON (${(error as Error).message}); remove it or use another --out`)
  }
  const info = value as Partial<EvalInfo> | null
  if (!info || typeof info !== 'object' || ['model_hash', 'suite', 'suite_version'].some((k) => typeof (info as Record<string, unknown>)[k] !== 'string')) {
    throw new DcbError('DCB_EVAL_OUT', `${file}: expected {"model_hash", "suite", "suite_version"} strings`)
  }
  return info as EvalInfo
}

/** Reads and parses a results file; a missing or unreadable file is a one-line DcbError. */
export async function readResultsFile(file: string): Promise<ResultRowAt[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new DcbError('DCB_RESULTS_FILE', `${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? 'error'})`}; expected a DataComp eval_results.jsonl`)
  }
  return parseResultsJsonl(text, file)
}

/**
 * Appends one finished task, as evaluate.py does. One `appendFile` of one short line: a crash can
 * lose only the task being written, never corrupt earlier lines.
 */
export async function appendResultLine(file: string, row: DataCompResultRow): Promise<void> {
  await appendFile(file, formatResultLine(row))
}
