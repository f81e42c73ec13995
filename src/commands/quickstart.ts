import {Flags} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {benchmarkIds} from '../benchmarks/registry.js'
import {canAsk, confirmAndFix} from '../cli/fix-prompt.js'
import {isDcbError} from '../errors.js'
import {makePlan} from '../quickstart/plan.js'
import {runQuickstart, type QuickstartResult} from '../quickstart/run.js'
import {onInterrupt} from '../ui/interrupt.js'
import {createProgressDisplay, type ProgressDisplay} from '../ui/progress.js'
import {renderQuickstartReport} from '../ui/quickstart-report.js'
import {checkOutputPath} from '../util/cli-path.js'

export default class Quickstart extends BenchCommand {
  static override summary = 'The tiny benchmark end to end: see on a laptop that better data wins.'
  static override description =
    "Synthesises the tiny pools, builds subsets with the baseline filters (none; random at the heuristic's size; a rule-based heuristic; the ground-truth oracle; the benchmark's official baselines that run on its tiny pool — DataComp's basic and clip-score, with --all text-based and laion2b too; on pools with embeddings, SemDeDup and density-based pruning, with --all SSL prototypes and D4 too), then validates, reshards, trains (the CPU image on Docker, else the host's python3 + torch; when neither works it offers `bench doctor --fix` on a terminal, and otherwise names the command), evaluates on the tiny suite and signs each, adds the entries to a local board and publishes it (HTML + Markdown). Run it again to resume after an interruption. --fast trains only none and oracle."
  static override examples = ['<%= config.bin %> quickstart', '<%= config.bin %> quickstart --benchmark dclm --out /tmp/qs', '<%= config.bin %> quickstart --fast --json', '<%= config.bin %> quickstart --benchmark datacomp --all']
  static override flags = {
    benchmark: Flags.string({description: 'Which tiny benchmark, or both (every benchmark).', options: [...benchmarkIds(), 'both'], default: 'both'}),
    out: Flags.string({description: 'Folder for pools, subsets, runs, entries, board and site.', default: 'dcbench-quickstart'}),
    fast: Flags.boolean({description: 'Only the none and oracle baselines (the CI smoke run).', default: false}),
    all: Flags.boolean({description: 'Every row that fits the tiny pool: adds text-based and laion2b to the official baselines, ssl-prototypes and d4 to the embedding-based rows.', default: false, exclusive: ['fast']}),
    executor: Flags.string({description: 'Where to train: docker (the CPU image), local (host python3 + torch) or auto.', options: ['auto', 'docker', 'local'], default: 'auto'}),
  }

  async run(): Promise<QuickstartResult> {
    const {flags} = await this.parse(Quickstart)
    checkOutputPath(flags.out, {flag: '--out', kind: 'folder'})
    const plan = makePlan({out: flags.out, benchmarks: flags.benchmark === 'both' ? benchmarkIds() : [flags.benchmark], fast: flags.fast, all: flags.all, seed: 0})
    const quiet = this.jsonEnabled()
    let display: ProgressDisplay | undefined
    let currentStep = 'quickstart'
    const interrupt = onInterrupt()
    try {
      const options: Parameters<typeof runQuickstart>[0] = {
        plan,
        executor: flags.executor as 'auto' | 'docker' | 'local',
        signal: interrupt.signal,
        onStep: (message) => {
          display?.stop()
          display = undefined
          currentStep = message
          if (!quiet) process.stderr.write(`${message}\n`)
        },
        onProgress: (event) => {
          display ??= createProgressDisplay({label: `  ${currentStep}`, quiet})
          display.update(event)
        },
      }
      const result = await runQuickstart(options).catch(async (error: unknown) => {
        // No trainer on a terminal: offer `bench doctor --fix` (it prints the commands and asks), then go on.
        if (!isDcbError(error) || error.code !== 'DCB_NO_TRAINER' || !canAsk(quiet)) throw error
        process.stderr.write(`${error.message}; bench doctor --fix can install one.\n`)
        await confirmAndFix({target: 'local', yes: false, json: false})
        return runQuickstart(options)
      })
      display?.stop()
      if (!quiet) this.log(renderQuickstartReport(result))
      return result
    } finally {
      interrupt.dispose()
    }
  }
}
