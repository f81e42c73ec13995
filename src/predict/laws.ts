import {curveFit, type Model} from './curve-fit.js'

/**
 * Gadre et al.'s two scaling laws ("Language models scale reliably with over-training and on
 * downstream tasks"; mlfoundations/scaling, spec dclm.md §9) and how they are fitted (§9.2), as
 * `scaling/laws.py` and `scaling/shared.py::fit_ds` do it:
 *
 * - loss:  L(N, M) = α·N^b + β·6^(b/2)·(M·N)^b + E  (`powlaw_ours`; M = D/N the token multiplier),
 *   fitted by plain least squares on the raw losses from 128 starts, keeping the fit with the smallest
 *   sqrt(SSR/(n−2)) (`curve_fit_powlaw_ours`);
 * - error: Err(L) = ε − k·exp(−γ·L)  (`fit_ds`'s lambda, = `decay_ours`), fitted on the rows' measured
 *   losses from scipy's default start (all ones).
 *
 * Both with scipy's curve_fit (MINPACK Levenberg–Marquardt, maxfev 10,000), ported in curve-fit.ts.
 */

/** curve_fit's maxfev in laws.py and fit_ds. */
export const MAXFEV = 10_000

/** The loss law's start grid (curve_fit_powlaw_ours): 4 × 4 × 2 × 4 = 128 starts. */
export const LOSS_START_GRID = {
  alpha: [1e2, 3e2, 1e3, 3e3],
  beta: [1e2, 3e2, 1e3, 3e3],
  b: [-1e-1, -3e-1],
  E: [0, 1, 2, 10],
} as const

export const LOSS_FORM = 'L(N, M) = alpha*N^b + beta*6^(b/2)*(M*N)^b + E, M = D/N'
export const ERROR_FORM = 'Err(L) = epsilon - k*exp(-gamma*L)'

/** The loss law's parameters, named as laws.py names them. */
export interface LossParams {
  alpha: number
  beta: number
  b: number
  E: number
}

/** The error law's parameters (the notebook's k, gamma, epsilon). */
export interface ErrorParams {
  k: number
  gamma: number
  epsilon: number
}

/** L(N, M). */
export function lossAt(p: LossParams, params: number, multiplier: number): number {
  return p.alpha * params ** p.b + p.beta * 6 ** (p.b / 2) * (multiplier * params) ** p.b + p.E
}

/** Err(L). */
export function errorAt(p: ErrorParams, loss: number): number {
  return p.epsilon - p.k * Math.exp(-p.gamma * loss)
}

/** One row a law is fitted on: N, M = D/N and the measured value. */
export interface LawPoint {
  params: number
  multiplier: number
  value: number
}

/** A fit: its parameters, how it ended and how well it fits its rows. */
export interface LawFit<P> {
  params: P
  /** The start the kept fit began from. */
  start: number[]
  /** MINPACK's info (1–4: converged) and message, and the residual evaluations of the kept fit. */
  info: number
  message: string
  nfev: number
  /** Sum of squared residuals (fitted − measured). */
  ssr: number
  /** sqrt(SSR/(n−2)): laws.py's residual, by which the loss law's starts are compared. */
  residual: number
  /** fitted − measured, per row. */
  residuals: number[]
  /** Starts tried, and how many converged (MINPACK info 1–4). */
  starts: number
  converged: number
}

/** laws.py's residual: sqrt(SSR/(n−2)). */
function residualOf(ssr: number, n: number): number {
  return Math.sqrt(ssr / (n - 2))
}

/**
 * Fits the loss law on `points` (value = loss) from the 128 starts. Starts that do not converge are
 * skipped (scipy would raise and end the whole fit); undefined when none converges.
 */
export function fitLossLaw(points: readonly LawPoint[]): LawFit<LossParams> | undefined {
  const model: Model = (p, i) => {
    const {params: n, multiplier: m} = points[i]!
    return p[0]! * n ** p[2]! + p[1]! * 6 ** (p[2]! / 2) * (m * n) ** p[2]! + p[3]!
  }
  const y = points.map((p) => p.value)
  let best: LawFit<LossParams> | undefined
  let converged = 0
  let starts = 0
  for (const alpha of LOSS_START_GRID.alpha) {
    for (const beta of LOSS_START_GRID.beta) {
      for (const b of LOSS_START_GRID.b) {
        for (const E of LOSS_START_GRID.E) {
          starts++
          const start = [alpha, beta, b, E]
          const fit = curveFit(model, y, {p0: start, maxfev: MAXFEV})
          if (!fit.converged) continue
          converged++
          const residual = residualOf(fit.ssr, y.length)
          // strictly smaller than the best so far (initially infinite), as laws.py's
          // `if curr_residual < min_residual`: the first of equals is kept, a NaN never
          if (!(residual < (best?.residual ?? Infinity))) continue
          const [pa, pb, pexp, pE] = fit.params as [number, number, number, number]
          const params = {alpha: pa, beta: pb, b: pexp, E: pE}
          best = {
            params,
            start,
            info: fit.info,
            message: fit.message,
            nfev: fit.nfev,
            ssr: fit.ssr,
            residual,
            residuals: points.map((pt) => lossAt(params, pt.params, pt.multiplier) - pt.value),
            starts: 0,
            converged: 0,
          }
        }
      }
    }
  }
  return best && {...best, starts, converged}
}

/** A point of the error law: a row's measured loss and its average top-1 error. */
export interface ErrorPoint {
  loss: number
  error: number
}

/** Fits the error law from all ones (fit_ds); undefined when it does not converge. */
export function fitErrorLaw(points: readonly ErrorPoint[]): LawFit<ErrorParams> | undefined {
  // fit_ds's lambda t, a, b, E: E − a·exp(−b·t), so p = [k, gamma, epsilon]
  const model: Model = (p, i) => p[2]! - p[0]! * Math.exp(-p[1]! * points[i]!.loss)
  const y = points.map((p) => p.error)
  const start = [1, 1, 1]
  const fit = curveFit(model, y, {p0: start, maxfev: MAXFEV})
  if (!fit.converged) return undefined
  const [k, gamma, epsilon] = fit.params as [number, number, number]
  const params = {k, gamma, epsilon}
  return {
    params,
    start,
    info: fit.info,
    message: fit.message,
    nfev: fit.nfev,
    ssr: fit.ssr,
    residual: residualOf(fit.ssr, y.length),
    residuals: points.map((pt) => errorAt(params, pt.loss) - pt.error),
    starts: 1,
    converged: 1,
  }
}
