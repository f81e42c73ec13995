import {DcbError} from '../errors.js'
import {harnessVersion} from '../util/paths.js'
import {LAW_FILE_FORMAT, writeLawFile, type FittedRow, type LawFile} from './law-file.js'
import {ERROR_FORM, errorAt, fitErrorLaw, fitLossLaw, LOSS_FORM, lossAt, MAXFEV, type LawFit} from './laws.js'
import {readRowsFile, rowsHash, type ScalingRow} from './rows.js'

/**
 * `bench predict fit`: the loss law on the runs' losses, the error law on the error runs' (loss,
 * error) pairs, recorded in law.json with the rows, residuals and hashes (spec dclm.md §9.2).
 */

export const REFERENCE =
  'Gadre et al. 2024, "Language models scale reliably with over-training and on downstream tasks" (mlfoundations/scaling: scaling/laws.py curve_fit_powlaw_ours, scaling/shared.py fit_ds; dcbench spec dclm.md §9)'

const LOSS_METHOD = `least squares on raw losses, MINPACK Levenberg–Marquardt (scipy curve_fit, maxfev ${MAXFEV}) from the 128-point start grid, best by sqrt(SSR/(n-2))`
const ERROR_METHOD = `least squares on raw errors against measured losses, MINPACK Levenberg–Marquardt (scipy curve_fit, maxfev ${MAXFEV}) from all ones`

/** The loss law has 4 parameters, the error law 3: fewer rows cannot determine them. */
export const LOSS_LAW_MIN_ROWS = 4
export const ERROR_LAW_MIN_ROWS = 3

/** Where rows came from, recorded in law.json. */
export interface RowSource {
  role: 'runs' | 'error-runs' | 'from'
  file: string
  sha256: string
}

export interface FitScalingLawsOptions {
  /** Rows of the loss law. */
  lossRows: readonly ScalingRow[]
  /** Rows of the error law, each with an error; default: the loss rows that have one. */
  errorRows?: readonly ScalingRow[]
  sources: readonly RowSource[]
  /** What the errors average (a task set name), for the record. */
  tasks?: string
}

/** Fits both laws; throws DCB_PREDICT_TOO_FEW for too few rows and DCB_FIT_NOT_CONVERGED (exit 1). */
export function fitScalingLaws(options: FitScalingLawsOptions): LawFile {
  const lossRows = options.lossRows
  if (lossRows.length < LOSS_LAW_MIN_ROWS) {
    throw new DcbError('DCB_PREDICT_TOO_FEW', `loss law: ${lossRows.length} row${lossRows.length === 1 ? '' : 's'}; expected at least ${LOSS_LAW_MIN_ROWS}, one per parameter (alpha, beta, b, E)`)
  }
  const explicitError = options.errorRows !== undefined
  const errorRows = (options.errorRows ?? lossRows.filter((r) => r.error !== undefined)) as (ScalingRow & {error: number})[]
  const lacking = errorRows.findIndex((r) => r.error === undefined)
  if (lacking >= 0) throw new DcbError('DCB_PREDICT_ROWS', `error law: row ${lacking}${errorRows[lacking]!.name === undefined ? '' : ` (${errorRows[lacking]!.name})`}: field 'error' is missing; expected every error-law row to have an error`)
  if (explicitError || errorRows.length > 0) {
    if (errorRows.length < ERROR_LAW_MIN_ROWS) {
      throw new DcbError('DCB_PREDICT_TOO_FEW', `error law: ${errorRows.length} row${errorRows.length === 1 ? '' : 's'} with an error; expected at least ${ERROR_LAW_MIN_ROWS}, one per parameter (k, gamma, epsilon)`)
    }
  }
  const warnings: string[] = []
  const multipliers = new Set(lossRows.map((r) => r.tokens / r.params))
  if (multipliers.size < 2) warnings.push('every loss row has the same token multiplier M = D/N: alpha and beta cannot be told apart, so predictions at another M are unreliable (Gadre et al. add 0.011B at M = 320)')
  if (new Set(lossRows.map((r) => r.params)).size < 2) warnings.push('every loss row has the same N: the law cannot separate the N and D terms')

  const loss = fitLossLaw(lossRows.map((r) => ({params: r.params, multiplier: r.tokens / r.params, value: r.loss})))
  if (!loss) throw notConverged('loss law', `none of the 128 starts converged within ${MAXFEV} evaluations`)
  const lossRecord = {
    ...record(loss, LOSS_FORM, LOSS_METHOD, lossRows, lossRows.map((r) => r.loss)),
    params: loss.params,
  }

  let errorRecord: LawFile['error_law'] = null
  if (errorRows.length > 0) {
    const error = fitErrorLaw(errorRows.map((r) => ({loss: r.loss, error: r.error})))
    if (!error) throw notConverged('error law', `the fit from all ones did not converge within ${MAXFEV} evaluations`)
    errorRecord = {
      ...record(error, ERROR_FORM, ERROR_METHOD, errorRows, errorRows.map((r) => r.error)),
      params: error.params,
      ...(options.tasks === undefined ? {} : {tasks: options.tasks}),
    }
  }
  // a self-check: every fitted value the record holds is the law at the row
  for (const row of lossRecord.rows) if (!Number.isFinite(lossAt(loss.params, row.params, row.multiplier))) throw notConverged('loss law', 'the fitted law is not finite at every row')
  if (errorRecord) for (const row of errorRecord.rows) if (!Number.isFinite(errorAt(errorRecord.params, row.loss))) throw notConverged('error law', 'the fitted law is not finite at every row')

  return {
    format: LAW_FILE_FORMAT,
    created_at: new Date().toISOString(),
    harness_version: harnessVersion(),
    reference: REFERENCE,
    sources: options.sources.map((s) => ({...s})),
    loss_law: lossRecord,
    error_law: errorRecord,
    warnings,
  }
}

function notConverged(law: string, detail: string): DcbError {
  return new DcbError('DCB_FIT_NOT_CONVERGED', `${law}: ${detail}; expected MINPACK to report convergence (info 1–4)`, {
    suggestions: ['check the rows (units of N and D, loss on one validation set); more runs at more scales help'],
  })
}

function record<P>(fit: LawFit<P>, form: string, method: string, rows: readonly ScalingRow[], measured: readonly number[]): Omit<LawFile['loss_law'], 'params'> {
  const fitted: FittedRow[] = rows.map((r, i) => ({
    ...(r.name === undefined ? {} : {name: r.name}),
    params: r.params,
    tokens: r.tokens,
    multiplier: r.tokens / r.params,
    loss: r.loss,
    ...(r.error === undefined ? {} : {error: r.error}),
    residual: fit.residuals[i]!,
  }))
  return {
    form,
    method,
    start: fit.start,
    starts: fit.starts,
    starts_converged: fit.converged,
    minpack_info: fit.info,
    minpack_message: fit.message,
    nfev: fit.nfev,
    ssr: fit.ssr,
    residual: fit.residual,
    max_relative_residual: Math.max(...fit.residuals.map((r, i) => Math.abs(r / measured[i]!))),
    rows_sha256: rowsHash(rows),
    rows: fitted,
  }
}

export interface FitFilesOptions {
  /** Rows file of the loss law (CSV, JSONL, JSON). */
  runs: string
  /** Rows file of the error law; default: the rows of `runs` with an error. */
  errorRuns?: string
  /** law.json to write. */
  out: string
}

/** Reads the rows files, fits, writes law.json; returns what was written. */
export async function fitFromFiles(options: FitFilesOptions): Promise<LawFile> {
  const runs = await readRowsFile(options.runs)
  const sources: RowSource[] = [{role: 'runs', file: options.runs, sha256: runs.sha256}]
  let errorRows: ScalingRow[] | undefined
  if (options.errorRuns !== undefined) {
    const errorRuns = await readRowsFile(options.errorRuns)
    errorRuns.rows.forEach((r, i) => {
      if (r.error === undefined) throw new DcbError('DCB_PREDICT_ROWS', `${options.errorRuns}: ${errorRuns.where[i]}: field 'error' is missing; expected every --error-runs row to have an error`)
    })
    errorRows = errorRuns.rows
    sources.push({role: 'error-runs', file: options.errorRuns, sha256: errorRuns.sha256})
  }
  const law = fitScalingLaws({lossRows: runs.rows, ...(errorRows ? {errorRows} : {}), sources})
  await writeLawFile(options.out, law)
  return law
}
