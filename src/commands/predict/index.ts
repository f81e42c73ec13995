import {Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {DcbError} from '../../errors.js'
import {parsePositive, predictAt, predictGrid, readLawFile, type Prediction} from '../../predict/index.js'
import {writeLawPlot} from '../../predict/plot.js'
import {renderGrid, renderPrediction} from '../../ui/predict-report.js'
import {checkOutputPath} from '../../util/cli-path.js'

export default class Predict extends BenchCommand {
  static override summary = 'Predict loss and downstream error at a larger scale from a law.json (`bench predict fit`).'
  static override description =
    "Evaluates the fitted loss law at N = --params and M = --tokens / --params, and the error law at that predicted loss, as Gadre et al.'s notebook chains them. Each value comes with its fit's residual sqrt(SSR/(n−2)) as an uncertainty indication (not a confidence interval), and how far N and compute lie beyond the largest fitted run. --grid predicts every named scale of the benchmarks that have frozen recipes (e.g. DCLM's 400m-1x … 7b-2x). --plot FILE draws the loss law against compute per multiplier, with the fitted rows, as SVG or PNG (by extension)."
  static override examples = [
    '<%= config.bin %> predict --law law.json --params 6.9e9 --tokens 1.38e11',
    '<%= config.bin %> predict --law law.json --grid',
    '<%= config.bin %> predict --law law.json --params 1.4e9 --tokens 9.2e11 --plot fit.svg --json',
  ]
  static override flags = {
    law: Flags.string({description: 'law.json written by `bench predict fit`.', required: true}),
    params: Flags.string({description: 'N: parameters, embeddings included (e.g. 6.9e9).', dependsOn: ['tokens']}),
    tokens: Flags.string({description: 'D: training tokens (e.g. 1.38e11).', dependsOn: ['params']}),
    grid: Flags.boolean({description: 'Predict every named scale (the official DCLM scales by name).'}),
    plot: Flags.string({description: 'Write a plot of the fit (loss vs compute per multiplier): FILE.svg or FILE.png.'}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {flags} = await this.parse(Predict)
    if (flags.plot !== undefined) checkOutputPath(flags.plot, {flag: '--plot', kind: 'file', expected: 'the plot file to write'})
    if (flags.params === undefined && !flags.grid && flags.plot === undefined) {
      throw new DcbError('DCB_USAGE', 'nothing to predict: give --params N --tokens D, --grid, or --plot FILE', {suggestions: ['bench predict --law law.json --params 6.9e9 --tokens 1.38e11']})
    }
    const law = await readLawFile(flags.law)
    const out: Record<string, unknown> = {law: flags.law}
    const lines: string[] = []
    let point: Prediction | undefined
    if (flags.params !== undefined && flags.tokens !== undefined) {
      point = predictAt(law, parsePositive(flags.params, '--params'), parsePositive(flags.tokens, '--tokens'))
      Object.assign(out, point)
      lines.push(renderPrediction(point))
    }
    if (flags.grid) {
      const grid = predictGrid(law)
      out.grid = grid
      lines.push(renderGrid(grid))
    }
    if (flags.plot !== undefined) {
      const plot = await writeLawPlot({law, file: flags.plot, ...(point ? {predictions: [point]} : {})})
      out.plot = plot
      lines.push(`plot: ${plot.file} (${plot.format})`)
    }
    if (law.warnings.length > 0) out.warnings = law.warnings
    if (!this.jsonEnabled()) this.log([...lines, ...law.warnings.map((w) => `warning: ${w}`)].join('\n'))
    return out
  }
}
