import {Args, Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {benchmarkFlag} from '../../cli/flags.js'
import {DcbError, unknownChoice} from '../../errors.js'
import {aggregateDataCompFile} from '../../eval/datacomp/index.js'
import {renderAggregates} from '../../ui/eval-report.js'

export default class EvalAggregate extends BenchCommand {
  static override summary = "Recompute the aggregate scores of an existing results file with the benchmark's own rules."
  static override description =
    'datacomp: reads an eval_results.jsonl (DataComp format), keeps rows with a main metric and requires exactly the 38 scored tasks (--partial accepts fewer, flagged), then prints ImageNet, ImageNet dist. shifts, VTAB, Retrieval and Average (plain means, spec §4.4).'
  static override examples = [
    '<%= config.bin %> eval aggregate out/eval_results.jsonl --benchmark datacomp',
    '<%= config.bin %> eval aggregate out/eval_results.jsonl --benchmark datacomp --partial --json',
  ]
  static override args = {
    file: Args.string({description: 'Results file (datacomp: eval_results.jsonl).', required: true}),
  }
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    partial: Flags.boolean({description: 'datacomp: aggregate a file with fewer than the 38 main-metric tasks (not comparable with official numbers).'}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {args, flags} = await this.parse(EvalAggregate)
    switch (flags.benchmark) {
      case 'datacomp': {
        const result = await aggregateDataCompFile({file: args.file, partial: flags.partial})
        if (!this.jsonEnabled()) this.log(renderAggregates(result))
        return {benchmark: 'datacomp', ...result}
      }
      case 'dclm':
        throw new DcbError('DCB_NOT_AVAILABLE', 'bench eval aggregate --benchmark dclm is not available in this build', {exitCode: 3})
      default:
        throw unknownChoice('benchmark', flags.benchmark, ['datacomp', 'dclm'])
    }
  }
}
