import {Args, Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {benchmarkFlag} from '../../cli/flags.js'
import {getBenchmark} from '../../benchmarks/registry.js'
import {DcbError, ExitCode} from '../../errors.js'

export default class EvalAggregate extends BenchCommand {
  static override summary = "Recompute the aggregate scores of an existing results file with the benchmark's own rules."
  static override description =
    'datacomp: reads an eval_results.jsonl (DataComp format), keeps rows with a main metric and requires exactly the 38 scored tasks (--partial accepts fewer, flagged), then prints ImageNet, ImageNet dist. shifts, VTAB, Retrieval and Average (plain means, spec §4.4).\n\n' +
    "dclm: reads a DCLM eval JSON (exp_data/evals format), recomputes CORE, EXTENDED (v1 and v2 baselines), the category means and the extra lists from eval_metrics.icl exactly as DCLM's aggregated_metrics.py does, and flags every stored aggregate that disagrees (exit 1). --json prints the recomputed values under DCLM's key names (NaN as null), plus `disagreements` and `ignored_tasks`."
  static override examples = [
    '<%= config.bin %> eval aggregate out/eval_results.jsonl --benchmark datacomp',
    '<%= config.bin %> eval aggregate out/eval_results.jsonl --benchmark datacomp --partial --json',
    '<%= config.bin %> eval aggregate evaluation_open_lm_dclm_7b_8k.json --benchmark dclm',
  ]
  static override args = {
    file: Args.string({description: 'Results file (datacomp: eval_results.jsonl; dclm: an eval JSON).', required: true}),
  }
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    partial: Flags.boolean({description: 'datacomp: aggregate a file with fewer than the 38 main-metric tasks (not comparable with official numbers).'}),
    tolerance: Flags.string({description: 'dclm: largest |stored − recomputed| still counted as agreement (default 0: files DCLM wrote match bit for bit).'}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {args, flags} = await this.parse(EvalAggregate)
    const benchmark = getBenchmark(flags.benchmark)
    const tolerance = flags.tolerance === undefined ? undefined : Number(flags.tolerance)
    if (tolerance !== undefined && (!Number.isFinite(tolerance) || tolerance < 0)) throw new DcbError('DCB_USAGE', `--tolerance: expected a number ≥ 0, received '${flags.tolerance}'`)
    const outcome = await benchmark.eval.aggregateFile({file: args.file, partial: flags.partial, tolerance})
    if (!outcome.ok) process.exitCode = ExitCode.CheckFailed
    if (!this.jsonEnabled()) this.log(outcome.text)
    return outcome.json
  }
}
