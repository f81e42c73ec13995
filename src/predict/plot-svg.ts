import {escapeUTF8 as escapeXml} from 'entities'

import type {LossParams} from './laws.js'
import {lossAt} from './laws.js'

/**
 * The picture of a loss law: loss against training compute C = 6·N·D on log–log axes, one curve per
 * token multiplier M (L(N = sqrt(C/(6M)), M)), the rows it was fitted on as filled dots and predicted
 * points as rings, each coloured by its M — the left panel of Gadre et al.'s Figure 1, with the loss
 * itself on the y axis. A self-contained SVG string: `bench predict --plot` writes it (or a PNG of it)
 * and the published leaderboard embeds it as it is.
 */

/** A point on the plot. */
export interface PlotPoint {
  params: number
  tokens: number
  loss: number
  label?: string
}

export interface LawPlotInput {
  params: LossParams
  /** Measured runs (filled). */
  rows: readonly PlotPoint[]
  /** Predictions (rings). */
  predictions?: readonly PlotPoint[]
  title?: string
}

const WIDTH = 720
const HEIGHT = 440
const MARGIN = {left: 70, right: 150, top: 40, bottom: 50}
const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f']

/** Renders the plot. */
export function lawPlotSvg(input: LawPlotInput): string {
  const points = [...input.rows.map((p) => ({...p, predicted: false})), ...(input.predictions ?? []).map((p) => ({...p, predicted: true}))]
  const multiplier = (p: PlotPoint): number => p.tokens / p.params
  const multipliers = [...new Set(points.map((p) => roundM(multiplier(p))))].sort((a, b) => a - b)
  const colour = (m: number): string => COLOURS[multipliers.indexOf(roundM(m)) % COLOURS.length]!
  const computes = points.map((p) => 6 * p.params * p.tokens)
  const cMin = Math.min(...computes) / 3
  const cMax = Math.max(...computes) * 3
  // the curves, sampled evenly in log compute
  const curves = multipliers.map((m) => {
    const samples: {c: number; loss: number}[] = []
    for (let i = 0; i <= 60; i++) {
      const c = cMin * (cMax / cMin) ** (i / 60)
      const n = Math.sqrt(c / (6 * m))
      const loss = lossAt(input.params, n, m)
      if (Number.isFinite(loss) && loss > 0) samples.push({c, loss})
    }
    return {m, samples}
  })
  const losses = [...points.map((p) => p.loss), ...curves.flatMap((c) => c.samples.map((s) => s.loss))].filter((v) => v > 0)
  const yMin = Math.min(...losses) / 1.05
  const yMax = Math.max(...losses) * 1.05
  const plotW = WIDTH - MARGIN.left - MARGIN.right
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom
  const x = (c: number): number => MARGIN.left + (plotW * Math.log(c / cMin)) / Math.log(cMax / cMin)
  const y = (l: number): number => MARGIN.top + plotH - (plotH * Math.log(l / yMin)) / Math.log(yMax / yMin)
  const f = (v: number): string => v.toFixed(1)

  const parts: string[] = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`)
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`)
  parts.push(`<text x="${MARGIN.left}" y="22" font-size="14">${escapeXml(input.title ?? 'Loss vs compute, per token multiplier M')}</text>`)
  // axes: decade ticks on x, a few ticks on y
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`)
  for (let e = Math.ceil(Math.log10(cMin)); e <= Math.floor(Math.log10(cMax)); e++) {
    const px = f(x(10 ** e))
    parts.push(`<line x1="${px}" y1="${MARGIN.top}" x2="${px}" y2="${MARGIN.top + plotH}" stroke="#ddd"/>`)
    parts.push(`<text x="${px}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">1e${e}</text>`)
  }
  for (const tick of yTicks(yMin, yMax)) {
    const py = f(y(tick))
    parts.push(`<line x1="${MARGIN.left}" y1="${py}" x2="${MARGIN.left + plotW}" y2="${py}" stroke="#ddd"/>`)
    parts.push(`<text x="${MARGIN.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${tick.toPrecision(3)}</text>`)
  }
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">compute 6·N·D (FLOPs)</text>`)
  parts.push(`<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">loss</text>`)
  for (const curve of curves) {
    if (curve.samples.length < 2) continue
    const d = curve.samples.map((s, i) => `${i === 0 ? 'M' : 'L'}${f(x(s.c))} ${f(y(s.loss))}`).join(' ')
    parts.push(`<path d="${d}" fill="none" stroke="${colour(curve.m)}" stroke-width="1.5" stroke-dasharray="5 3"/>`)
  }
  for (const p of points) {
    const c = colour(multiplier(p))
    const title = `<title>${escapeXml(`${p.label ?? ''} N=${p.params.toExponential(3)} D=${p.tokens.toExponential(3)} loss=${p.loss.toFixed(4)}${p.predicted ? ' (predicted)' : ''}`.trim())}</title>`
    parts.push(`<circle cx="${f(x(6 * p.params * p.tokens))}" cy="${f(y(p.loss))}" r="${p.predicted ? 6 : 4.5}" fill="${p.predicted ? 'none' : c}" stroke="${c}" stroke-width="2">${title}</circle>`)
  }
  // legend: one line per multiplier, then the marker meanings
  multipliers.forEach((m, i) => {
    const ly = MARGIN.top + 10 + i * 18
    parts.push(`<line x1="${WIDTH - MARGIN.right + 12}" y1="${ly}" x2="${WIDTH - MARGIN.right + 36}" y2="${ly}" stroke="${colour(m)}" stroke-width="2" stroke-dasharray="5 3"/>`)
    parts.push(`<text x="${WIDTH - MARGIN.right + 42}" y="${ly}" dominant-baseline="middle">M = ${m}</text>`)
  })
  const ly = MARGIN.top + 20 + multipliers.length * 18
  parts.push(`<circle cx="${WIDTH - MARGIN.right + 24}" cy="${ly}" r="4.5" fill="#555"/><text x="${WIDTH - MARGIN.right + 42}" y="${ly}" dominant-baseline="middle">measured</text>`)
  parts.push(`<circle cx="${WIDTH - MARGIN.right + 24}" cy="${ly + 18}" r="6" fill="none" stroke="#555" stroke-width="2"/><text x="${WIDTH - MARGIN.right + 42}" y="${ly + 18}" dominant-baseline="middle">predicted</text>`)
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}

/** M rounded for grouping (D/N of a recipe is exact; of a measured run, nearly). */
function roundM(m: number): number {
  return Number(m.toPrecision(4))
}

/** About five round ticks between a and b. */
function yTicks(a: number, b: number): number[] {
  const step = 10 ** Math.floor(Math.log10((b - a) / 4))
  const nice = [1, 2, 5, 10].map((k) => k * step).find((s) => (b - a) / s <= 6) ?? step * 10
  const ticks: number[] = []
  for (let t = Math.ceil(a / nice) * nice; t <= b; t += nice) ticks.push(Number(t.toPrecision(6)))
  return ticks
}
