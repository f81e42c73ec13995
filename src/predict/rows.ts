import {open} from 'node:fs/promises'

import {parse as parseCsv} from 'csv-parse/sync'

import {DcbError} from '../errors.js'
import {canonicalHash, sha256Hex} from '../util/canonical-json.js'

/**
 * The rows a scaling law is fitted on: one training run each, with N (parameters), D (training
 * tokens), its validation loss and, optionally, its average top-1 error and a name. Read from a CSV
 * (header line), JSONL (one object a line) or a JSON array of objects; every value is checked here,
 * so the fits only ever see positive finite N and D and finite losses and errors.
 */

/** One run. */
export interface ScalingRow {
  name?: string
  /** N: parameters, embeddings included (as DCLM's `params`). */
  params: number
  /** D: training tokens. */
  tokens: number
  /** Validation loss (Gadre et al.: C4 validation loss). */
  loss: number
  /** Average top-1 error over a task set (1 − mean accuracy), when known. */
  error?: number
}

/** The fields a row may have; any other is refused (a typo would otherwise be ignored silently). */
export const ROW_FIELDS = ['name', 'params', 'tokens', 'loss', 'error'] as const

/** Largest rows file read (a scaling sweep is tens of rows; this bounds memory on a hostile file). */
export const MAX_ROWS_BYTES = 16 * 1024 * 1024
/** Most rows in one file. */
export const MAX_ROWS = 100_000

/** A rows file as read: its rows, where each came from, and the file's sha256. */
export interface RowsFile {
  file: string
  sha256: string
  rows: ScalingRow[]
  /** "line 3" / "item 2" per row, for messages. */
  where: string[]
}

/** Reads and checks a rows file (format from the extension: .csv, .jsonl, anything else JSON). */
export async function readRowsFile(file: string): Promise<RowsFile> {
  const bytes = await readBounded(file)
  const text = decodeUtf8(bytes, file)
  const sha256 = sha256Hex(bytes)
  const records = /\.csv$/i.test(file) ? csvRecords(text, file) : /\.jsonl$/i.test(file) ? jsonlRecords(text, file) : jsonRecords(text, file)
  if (records.length === 0) throw new DcbError('DCB_PREDICT_ROWS', `${file}: no rows; expected one row per run with params, tokens and loss`)
  if (records.length > MAX_ROWS) throw new DcbError('DCB_PREDICT_ROWS', `${file}: ${records.length} rows; expected at most ${MAX_ROWS}`)
  const rows = records.map((r) => checkRow(r.value, `${file}: ${r.where}`))
  return {file, sha256, rows, where: records.map((r) => r.where)}
}

/** sha256 of the canonical JSON of rows: what law.json records of the rows each law was fitted on. */
export function rowsHash(rows: readonly ScalingRow[]): string {
  return canonicalHash(rows)
}

interface RawRecord {
  where: string
  value: Record<string, unknown>
}

async function readBounded(file: string): Promise<Buffer> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new DcbError('DCB_PREDICT_ROWS', `${file}: ${code === 'ENOENT' ? 'file not found' : `cannot open (${code})`}; expected a CSV, JSONL or JSON file of runs`)
  }
  try {
    const info = await handle.stat()
    if (!info.isFile()) throw new DcbError('DCB_PREDICT_ROWS', `${file}: not a regular file; expected a CSV, JSONL or JSON file of runs`)
    if (info.size > MAX_ROWS_BYTES) throw new DcbError('DCB_PREDICT_ROWS', `${file}: ${info.size} bytes; expected at most ${MAX_ROWS_BYTES}`)
    const buffer = Buffer.alloc(info.size)
    const {bytesRead} = await handle.read(buffer, 0, info.size, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(bytes).replace(/^\uFEFF/, '')
  } catch {
    throw new DcbError('DCB_PREDICT_ROWS', `${file}: not UTF-8 text`)
  }
}

function csvRecords(text: string, file: string): RawRecord[] {
  let table: string[][]
  try {
    table = parseCsv(text, {skip_empty_lines: true, trim: true}) as string[][]
  } catch (error) {
    throw new DcbError('DCB_PREDICT_ROWS', `${file}: malformed CSV (${(error as Error).message.split('\n')[0]})`)
  }
  const [header, ...body] = table
  if (!header) return []
  const seen = new Set<string>()
  for (const name of header) {
    if (seen.has(name)) throw new DcbError('DCB_PREDICT_ROWS', `${file}: line 1: column '${name}' appears twice`)
    seen.add(name)
  }
  return body.map((cells, i) => {
    const value: Record<string, unknown> = {}
    // an empty cell is an absent value (a run without an error measurement)
    header.forEach((name, j) => {
      if (cells[j] !== undefined && cells[j] !== '') value[name] = name === 'name' ? cells[j] : csvNumber(cells[j]!)
    })
    return {where: `line ${i + 2}`, value}
  })
}

/** A CSV cell as a number: a plain decimal or exponent literal (or nan/inf, refused later as non-finite). */
function csvNumber(cell: string): unknown {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cell)) return Number(cell)
  if (/^[+-]?(nan|inf|infinity)$/i.test(cell)) return cell.toLowerCase().includes('nan') ? Number.NaN : cell.startsWith('-') ? -Infinity : Infinity
  return cell
}

function jsonlRecords(text: string, file: string): RawRecord[] {
  const records: RawRecord[] = []
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return
    records.push({where: `line ${i + 1}`, value: objectOf(parseJson(line, `${file}: line ${i + 1}`), `${file}: line ${i + 1}`)})
  })
  return records
}

function jsonRecords(text: string, file: string): RawRecord[] {
  const data = parseJson(text, file)
  if (!Array.isArray(data)) throw new DcbError('DCB_PREDICT_ROWS', `${file}: expected a JSON array of runs, received ${kindOf(data)}`)
  return data.map((item, i) => ({where: `item ${i}`, value: objectOf(item, `${file}: item ${i}`)}))
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new DcbError('DCB_PREDICT_ROWS', `${where}: malformed JSON (${(error as Error).message.split('\n')[0]})`)
  }
}

function objectOf(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new DcbError('DCB_PREDICT_ROWS', `${where}: expected an object with params, tokens and loss, received ${kindOf(value)}`)
  return value as Record<string, unknown>
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value
}

/** Checks one row's fields; every problem names the file, the row and the field. */
export function checkRow(value: Record<string, unknown>, where: string): ScalingRow {
  for (const key of Object.keys(value)) {
    if (!(ROW_FIELDS as readonly string[]).includes(key)) throw new DcbError('DCB_PREDICT_ROWS', `${where}: unknown field '${key}'; expected ${ROW_FIELDS.join(', ')}`)
  }
  const num = (key: 'params' | 'tokens' | 'loss' | 'error', required: boolean): number | undefined => {
    const v = value[key]
    if (v === undefined || v === null) {
      if (required) throw new DcbError('DCB_PREDICT_ROWS', `${where}: field '${key}' is missing; expected a number`)
      return undefined
    }
    if (typeof v !== 'number') throw new DcbError('DCB_PREDICT_ROWS', `${where}: field '${key}': expected a number, received ${JSON.stringify(v).slice(0, 40)}`)
    if (!Number.isFinite(v)) throw new DcbError('DCB_PREDICT_VALUE', `${where}: field '${key}' is ${v}; expected a finite number`)
    if ((key === 'params' || key === 'tokens') && v <= 0) throw new DcbError('DCB_PREDICT_VALUE', `${where}: field '${key}' is ${v}; expected a positive number (N and D are counts)`)
    return v
  }
  const name = value.name
  if (name !== undefined && name !== null && typeof name !== 'string') throw new DcbError('DCB_PREDICT_ROWS', `${where}: field 'name': expected a string, received ${kindOf(name)}`)
  const row: ScalingRow = {params: num('params', true)!, tokens: num('tokens', true)!, loss: num('loss', true)!}
  const error = num('error', false)
  if (error !== undefined) row.error = error
  if (typeof name === 'string') row.name = name
  return row
}
