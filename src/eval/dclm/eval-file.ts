import {readFile} from 'node:fs/promises'

import {DcbError} from '../../errors.js'
import {dclmAggregationMeta} from '../lm/suite.js'
import {recheckAggregates, type AggregateDisagreement, type AggregationMeta, type BaselineVersion, type EvalRecord} from './aggregate.js'
import {writeFileAtomic} from '../../util/atomic-write.js'
import {parsePythonJson, pythonJsonDumps} from '../../util/python-json.js'

/**
 * The key of dcbench's own block in a DCLM eval JSON (DCLM's tools keep keys they do not know):
 * `{"model_sha256", "suite", "harness_version"}`, the model folder that was evaluated.
 */
export const DCLM_EVAL_DCBENCH_KEY = 'dcbench'

/** The model hash a dcbench-written eval JSON records; undefined for one written by DCLM's own tools. */
export function evaluatedModelHash(record: EvalRecord): string | undefined {
  const block = record[DCLM_EVAL_DCBENCH_KEY] as {model_sha256?: unknown} | undefined
  return typeof block?.model_sha256 === 'string' ? block.model_sha256 : undefined
}

/**
 * Writes a DCLM eval JSON as DCLM does (`json.dump(output, f, indent=4)`), atomically: the
 * recomputation `bench eval aggregate` does on it reproduces every stored aggregate bit for bit.
 */
export async function writeDclmEvalFile(file: string, record: EvalRecord): Promise<void> {
  await writeFileAtomic(file, pythonJsonDumps(record, {indent: 4}))
}

/**
 * Reads a DCLM eval JSON (exp_data/evals format, spec dclm.md §7). Python's NaN/Infinity literals are
 * accepted; `eval_metrics.icl` must map task labels to numbers (null, as Python's None, reads as NaN —
 * pandas turns it into NaN too).
 */
export async function readDclmEvalFile(file: string): Promise<EvalRecord> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message
    throw new DcbError('DCB_EVAL_FILE', `${file}: cannot read: ${reason}`)
  }
  let data: unknown
  try {
    data = parsePythonJson(text)
  } catch (error) {
    throw new DcbError('DCB_EVAL_FILE', `${file}: not JSON: ${(error as Error).message}`)
  }
  return validateDclmEvalRecord(data, file)
}

/** Checks the shape aggregation relies on; returns the record with null accuracies read as NaN. */
export function validateDclmEvalRecord(data: unknown, file: string): EvalRecord {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new DcbError('DCB_EVAL_FILE', `${file}: expected a JSON object (a DCLM eval file), received ${describe(data)}`)
  }
  const record = data as EvalRecord
  const metrics = record.eval_metrics
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) {
    throw new DcbError('DCB_EVAL_FILE', `${file}: eval_metrics: expected an object, received ${describe(metrics)}`)
  }
  const icl = (metrics as Record<string, unknown>).icl
  if (icl === null || typeof icl !== 'object' || Array.isArray(icl)) {
    throw new DcbError('DCB_EVAL_FILE', `${file}: eval_metrics.icl: expected an object of task → accuracy, received ${describe(icl)}`)
  }
  const clean: Record<string, number> = {}
  for (const [task, value] of Object.entries(icl as Record<string, unknown>)) {
    if (value === null) clean[task] = Number.NaN
    else if (typeof value === 'number') clean[task] = value
    else throw new DcbError('DCB_EVAL_FILE', `${file}: eval_metrics.icl.${task}: expected a number, received ${describe(value)}`)
  }
  return {...record, eval_metrics: {...(metrics as Record<string, unknown>), icl: clean}}
}

/**
 * The held-out validation loss an eval JSON records, or null: `eval_metrics.perplexity`, where DCLM
 * writes open_lm's validation loss (mean token cross-entropy, nats — a loss despite the key's name;
 * spec dclm.md §7) and `bench eval` writes its held-out loss step's.
 */
export function evalFileLoss(record: EvalRecord, file: string): number | null {
  const value = (record.eval_metrics as Record<string, unknown>).perplexity
  if (value === undefined || value === null) return null
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new DcbError('DCB_EVAL_FILE', `${file}: eval_metrics.perplexity: expected a finite number (the held-out loss), received ${describe(value)}`)
  return value
}

export interface RecheckDclmFileOptions {
  file: string
  /** Aggregation tables; DCLM's 53-task suite by default. */
  meta?: AggregationMeta
  /** Largest |stored − recomputed| still counted as agreement (default 0: DCLM's own files match bit for bit). */
  tolerance?: number
}

export interface RecheckDclmFileResult {
  file: string
  /** Every aggregate recomputed from `eval_metrics.icl`, under DCLM's key names. */
  recomputed: EvalRecord
  /** Stored aggregates that differ from the recomputed ones. */
  disagreements: AggregateDisagreement[]
  /** Stored aggregate keys that were compared. */
  compared: string[]
  /** Version the unversioned stored aggregates were read as. */
  storedVersion: BaselineVersion
  /** `icl` keys that are not suite tasks (ignored by DCLM's aggregation, e.g. legacy gsm8k). */
  ignoredTasks: string[]
}

/** `bench eval aggregate FILE --benchmark dclm`: recomputes every aggregate and lists disagreements. */
export async function recheckDclmEvalFile(options: RecheckDclmFileOptions): Promise<RecheckDclmFileResult> {
  const data = await readDclmEvalFile(options.file)
  const meta = options.meta ?? dclmAggregationMeta()
  const result = recheckAggregates(data, meta, {tolerance: options.tolerance})
  const known = new Set(meta.tasks.map((t) => t.label))
  const icl = (data.eval_metrics as {icl: Record<string, number>}).icl
  return {file: options.file, ...result, ignoredTasks: Object.keys(icl).filter((t) => !known.has(t))}
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
  return `a ${typeof value}`
}
