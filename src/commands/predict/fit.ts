import {Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {DcbError} from '../../errors.js'
import {fitFromFiles, fitScalingLaws, writeLawFile, type LawFile} from '../../predict/index.js'
import {readRowsFile} from '../../predict/rows.js'
import {rowsFromRuns} from '../../predict/from-runs.js'
import {renderLawFit} from '../../ui/predict-report.js'
import {checkOutputPath} from '../../util/cli-path.js'

export default class PredictFit extends BenchCommand {
  static override summary = "Fit Gadre et al.'s scaling laws (loss from N and D, downstream error from loss) to your runs, into law.json."
  static override description =
    'The loss law L(N, M) = alpha·N^b + beta·6^(b/2)·(M·N)^b + E (M = D/N) is fitted on the rows of --runs, the error law Err(L) = epsilon − k·exp(−gamma·L) on the rows of --error-runs (default: the --runs rows that have an error) against each row\'s measured loss — exactly as mlfoundations/scaling fits them: plain least squares on raw values by MINPACK\'s Levenberg–Marquardt (scipy curve_fit, maxfev 10,000), the loss law from a 128-point start grid keeping the smallest sqrt(SSR/(n−2)), the error law from all ones.\n\n' +
    'Rows: CSV (header line), JSONL or a JSON array, each run with params (N, embeddings included), tokens (D), loss (one validation set for all rows, e.g. C4), optional error (average top-1 error, 1 − mean accuracy) and name. --from reads rows from run folders of `bench train` and their DCLM eval JSONs instead: N and D from the frozen recipe, the loss from the eval\'s held-out loss step, the error over --tasks. law.json records the forms, parameters, residuals, the rows and their hashes; `bench predict --law law.json` uses it.'
  static override examples = [
    '<%= config.bin %> predict fit --runs runs.csv --out law.json',
    '<%= config.bin %> predict fit --runs small.jsonl --error-runs with-1b.jsonl --out law.json --json',
    '<%= config.bin %> predict fit --from runs/a runs/b runs/c runs/d --tasks gadre17 --out law.json',
  ]
  static override flags = {
    runs: Flags.string({description: 'Rows of the loss law (CSV, JSONL or JSON array).', exclusive: ['from']}),
    'error-runs': Flags.string({description: 'Rows of the error law, each with an error (default: the rows of --runs with one).'}),
    from: Flags.string({description: 'Run folders (eval JSON in RUN/ or RUN/eval/) or eval JSONs to take rows from.', multiple: true, exclusive: ['runs']}),
    tasks: Flags.string({description: 'With --from: the task set the error averages — gadre17, gadre46 (default where the suite has it), core, all, or task keys separated by commas.'}),
    out: Flags.string({description: 'law.json to write (atomically).', required: true}),
  }

  async run(): Promise<LawFile & {out: string}> {
    const {flags} = await this.parse(PredictFit)
    checkOutputPath(flags.out, {flag: '--out', kind: 'file', expected: 'the law.json to write'})
    if (flags.runs === undefined && flags.from === undefined) throw new DcbError('DCB_USAGE', 'give the rows with --runs FILE or --from RUN…', {suggestions: ['bench predict fit --runs runs.csv --out law.json']})
    if (flags.tasks !== undefined && flags.from === undefined) throw new DcbError('DCB_USAGE', '--tasks applies to --from only (a --runs file carries its errors)')
    let law: LawFile
    if (flags.runs !== undefined) {
      law = await fitFromFiles({runs: flags.runs, ...(flags['error-runs'] === undefined ? {} : {errorRuns: flags['error-runs']}), out: flags.out})
    } else {
      const from = await rowsFromRuns({paths: flags.from!, ...(flags.tasks === undefined ? {} : {tasks: flags.tasks})})
      const errorRuns = flags['error-runs'] === undefined ? undefined : await readRowsFile(flags['error-runs'])
      law = fitScalingLaws({
        lossRows: from.rows,
        ...(errorRuns ? {errorRows: errorRuns.rows} : {}),
        sources: [...from.sources, ...(errorRuns ? [{role: 'error-runs' as const, file: errorRuns.file, sha256: errorRuns.sha256}] : [])],
        tasks: from.tasks,
      })
      await writeLawFile(flags.out, law)
    }
    if (!this.jsonEnabled()) this.log(renderLawFit(law, flags.out))
    return {...law, out: flags.out}
  }
}
