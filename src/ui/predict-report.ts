import type {LawFile} from '../predict/law-file.js'
import type {Prediction} from '../predict/predict.js'
import {renderTable} from './table.js'

/** What `bench predict fit` prints: both laws' parameters, fits and rows. */
export function renderLawFit(law: LawFile, out: string): string {
  const g = (v: number): string => v.toPrecision(6)
  const loss = law.loss_law
  const lines = [
    `loss law  ${loss.form}`,
    `  alpha ${g(loss.params.alpha)} · beta ${g(loss.params.beta)} · b ${g(loss.params.b)} · E ${g(loss.params.E)}`,
    `  ${loss.rows.length} rows · residual sqrt(SSR/(n-2)) ${g(loss.residual)} · max relative residual ${(100 * loss.max_relative_residual).toFixed(3)}% · ${loss.starts_converged}/${loss.starts} starts converged`,
  ]
  const error = law.error_law
  if (error) {
    lines.push(
      `error law ${error.form}${error.tasks === undefined ? '' : ` (tasks: ${error.tasks})`}`,
      `  k ${g(error.params.k)} · gamma ${g(error.params.gamma)} · epsilon ${g(error.params.epsilon)}`,
      `  ${error.rows.length} rows · residual ${g(error.residual)} · max relative residual ${(100 * error.max_relative_residual).toFixed(3)}%`,
    )
  } else {
    lines.push('error law: none (no row has an error)')
  }
  lines.push(
    renderTable(
      ['run', 'N', 'D', 'M', 'loss', 'fit − loss', 'error'],
      loss.rows.map((r) => [r.name ?? '', r.params.toExponential(3), r.tokens.toExponential(3), fmtM(r.multiplier), r.loss.toFixed(4), r.residual.toExponential(2), r.error === undefined ? '' : r.error.toFixed(4)]),
    ),
  )
  for (const w of law.warnings) lines.push(`warning: ${w}`)
  lines.push(`wrote ${out}`)
  return lines.join('\n')
}

/** One prediction, in a line or two. */
export function renderPrediction(p: Prediction): string {
  const lines = [
    `N ${p.params.toExponential(3)} · D ${p.tokens.toExponential(3)} · M ${fmtM(p.multiplier)} · compute ${p.flops.toExponential(2)} FLOPs`,
    `  loss  ${p.loss.toFixed(4)} ± ${p.loss_uncertainty.toFixed(4)}`,
    `  error ${p.error === null ? 'n/a (the law has no error law)' : `${p.error.toFixed(4)} ± ${p.error_uncertainty!.toFixed(4)}`}`,
  ]
  if (p.params_extrapolation > 1 || p.flops_extrapolation > 1) lines.push(`  extrapolated: ${fmtM(p.params_extrapolation)}× the largest fitted N, ${fmtM(p.flops_extrapolation)}× its compute`)
  return lines.join('\n')
}

/** `--grid`: one row per named scale. */
export function renderGrid(grid: readonly (Prediction & {benchmark: string; status: string})[]): string {
  return renderTable(
    ['benchmark', 'scale', 'N', 'D', 'M', 'loss', 'error', 'N × fitted'],
    grid.map((p) => [
      p.benchmark,
      `${p.name ?? ''}${p.status === 'official' ? '' : ` (${p.status})`}`,
      p.params.toExponential(3),
      p.tokens.toExponential(3),
      fmtM(p.multiplier),
      `${p.loss.toFixed(4)} ± ${p.loss_uncertainty.toFixed(4)}`,
      p.error === null ? '' : `${p.error.toFixed(4)} ± ${p.error_uncertainty!.toFixed(4)}`,
      fmtM(p.params_extrapolation),
    ]),
  )
}

function fmtM(m: number): string {
  return Number.isInteger(m) ? String(m) : m.toPrecision(4)
}
