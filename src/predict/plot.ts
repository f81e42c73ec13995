import {DcbError} from '../errors.js'
import {writeFileAtomic} from '../util/atomic-write.js'
import type {LawFile} from './law-file.js'
import {lawPlotSvg} from './plot-svg.js'
import type {Prediction} from './predict.js'

/**
 * `bench predict --plot FILE`: the loss law of a law.json drawn against compute per multiplier, with
 * its rows and any predictions, as SVG — or as PNG (the same SVG rasterised by sharp, whose libvips
 * renders SVG) when FILE ends in .png.
 */

export interface WriteLawPlotOptions {
  law: LawFile
  file: string
  predictions?: readonly Prediction[]
}

/** Writes the plot atomically; the format follows the extension (.svg or .png). */
export async function writeLawPlot(options: WriteLawPlotOptions): Promise<{file: string; format: 'svg' | 'png'}> {
  const format = /\.png$/i.test(options.file) ? 'png' : /\.svg$/i.test(options.file) ? 'svg' : undefined
  if (!format) throw new DcbError('DCB_USAGE', `--plot: '${options.file}' ends in neither .svg nor .png; expected FILE.svg or FILE.png`)
  const svg = lawPlotSvg({
    params: options.law.loss_law.params,
    rows: options.law.loss_law.rows.map((r) => ({params: r.params, tokens: r.tokens, loss: r.loss, ...(r.name === undefined ? {} : {label: r.name})})),
    predictions: (options.predictions ?? []).map((p) => ({params: p.params, tokens: p.tokens, loss: p.loss, ...(p.name === undefined ? {} : {label: p.name})})),
  })
  // sharp (native libvips) is loaded only when a PNG is asked for, so `bench predict` starts fast
  const data = format === 'svg' ? svg : await (await import('sharp')).default(Buffer.from(svg), {density: 144}).png().toBuffer()
  await writeFileAtomic(options.file, data)
  return {file: options.file, format}
}
