import {getBenchmark} from '../benchmarks/registry.js'
import {DcbError} from '../errors.js'
import {listRecipes} from '../tracks/registry.js'
import type {LawFile} from './law-file.js'
import {errorAt, lossAt} from './laws.js'

/**
 * `bench predict`: a fitted law.json evaluated at a scale — the loss L(N, M = D/N), and the error
 * Err(L) at that predicted loss, as the notebook of Gadre et al. chains them — with each fit's
 * residual as the uncertainty indication, and how far outside the fitted rows the point lies.
 */

/** One prediction. */
export interface Prediction {
  /** A scale's name (`--grid`), when it is one. */
  name?: string
  params: number
  tokens: number
  /** M = D/N. */
  multiplier: number
  /** Training compute 6·N·D. */
  flops: number
  loss: number
  /** The loss law's residual sqrt(SSR/(n−2)) over its rows: an indication, not a confidence interval. */
  loss_uncertainty: number
  /** Err at the predicted loss; null when the law has no error law. */
  error: number | null
  error_uncertainty: number | null
  /** The prediction's N and compute over the largest N and compute of the loss law's rows (> 1: extrapolated). */
  params_extrapolation: number
  flops_extrapolation: number
}

/** Parses a positive finite count given on the command line (`1.4e9`, `1439795200`). */
export function parsePositive(value: string, flag: string): number {
  const ok = /^\s*[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)
  const n = ok ? Number(value) : Number.NaN
  if (!Number.isFinite(n) || n <= 0) throw new DcbError('DCB_PREDICT_VALUE', `${flag}: received '${value}'; expected a positive finite number (e.g. 1.4e9)`)
  return n
}

/** The law at N parameters and D tokens. */
export function predictAt(law: LawFile, params: number, tokens: number, name?: string): Prediction {
  for (const [flag, v] of [['--params', params], ['--tokens', tokens]] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new DcbError('DCB_PREDICT_VALUE', `${flag}: received ${v}; expected a positive finite number`)
  }
  const multiplier = tokens / params
  const loss = lossAt(law.loss_law.params, params, multiplier)
  const error = law.error_law ? errorAt(law.error_law.params, loss) : null
  const rows = law.loss_law.rows
  const maxParams = Math.max(...rows.map((r) => r.params))
  const maxFlops = Math.max(...rows.map((r) => 6 * r.params * r.tokens))
  return {
    ...(name === undefined ? {} : {name}),
    params,
    tokens,
    multiplier,
    flops: 6 * params * tokens,
    loss,
    loss_uncertainty: law.loss_law.residual,
    error,
    error_uncertainty: law.error_law ? law.error_law.residual : null,
    params_extrapolation: params / maxParams,
    flops_extrapolation: (6 * params * tokens) / maxFlops,
  }
}

/** A named scale of a registered benchmark, with its N and D. */
export interface NamedScale {
  benchmark: string
  scale: string
  status: string
  params: number
  tokens: number
}

/**
 * The scales `--grid` predicts: every non-`unofficial` scale of every benchmark whose adapter can
 * size one (`scaling.size`: N and D from the frozen recipe).
 */
export function namedScales(): NamedScale[] {
  const scales: NamedScale[] = []
  for (const recipe of listRecipes()) {
    if (recipe.status === 'unofficial') continue
    const size = getBenchmark(recipe.benchmark).scaling?.size(recipe)
    if (size) scales.push({benchmark: recipe.benchmark, scale: recipe.scale, status: recipe.status, ...size})
  }
  return scales
}

/** Predictions at every named scale (`bench predict --grid`). */
export function predictGrid(law: LawFile): (Prediction & {benchmark: string; status: string})[] {
  return namedScales().map((s) => ({...predictAt(law, s.params, s.tokens, s.scale), benchmark: s.benchmark, status: s.status}))
}
