import {lmdif, LMDIF_MESSAGES, type LmdifInfo} from './minpack/lmdif.js'

/**
 * scipy.optimize.curve_fit without bounds (method 'lm'): plain least squares of model − y over the
 * parameters, from `p0` (default all ones, as scipy), by MINPACK's lmdif with scipy's tolerances.
 */

/** A model: its value at row `i` for the parameters `p`. */
export type Model = (p: Float64Array, i: number) => number

export interface CurveFitOptions {
  /** Start; default all ones (scipy's default p0). */
  p0?: ArrayLike<number>
  /** Number of parameters when p0 is not given. */
  parameters?: number
  /** Most model evaluations (times rows), as curve_fit's maxfev. */
  maxfev: number
}

export interface CurveFitResult {
  params: number[]
  /** Whether MINPACK reported convergence (info 1–4): curve_fit raises for anything else. */
  converged: boolean
  info: LmdifInfo
  message: string
  nfev: number
  /** Sum of squared residuals at params. */
  ssr: number
}

/** Fits `model` to `y` (one value per row). */
export function curveFit(model: Model, y: readonly number[], options: CurveFitOptions): CurveFitResult {
  const p0 = options.p0 ?? new Array<number>(options.parameters ?? 1).fill(1)
  const m = y.length
  const residuals = (p: Float64Array, out: Float64Array): void => {
    for (let i = 0; i < m; i++) out[i] = model(p, i) - y[i]!
  }
  const result = lmdif(residuals, m, p0, {maxfev: options.maxfev})
  let ssr = 0
  for (const r of result.fvec) ssr += r * r
  return {
    params: Array.from(result.x),
    converged: result.info <= 4,
    info: result.info,
    message: LMDIF_MESSAGES[result.info],
    nfev: result.nfev,
    ssr,
  }
}
