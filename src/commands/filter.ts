import {Flags} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {benchmarkFlag} from '../cli/flags.js'
import {getBenchmark} from '../benchmarks/registry.js'
import {applyFilter, builtinFilterNames, loadFilter, type ApplyFilterResult} from '../filters/index.js'
import {createProgressDisplay} from '../ui/progress.js'

export default class Filter extends BenchCommand {
  static override summary = 'Run a data filter over a candidate pool and write the subset it keeps as a .npy.'
  static override description = `--filter is a built-in (${builtinFilterNames().join(', ')}) or your own TypeScript/JavaScript module whose default export is a DataFilter (docs/filters.md). The output is sorted and byte-identical to numpy's np.save of the uid array, ready for bench subset validate and bench reshard.`
  static override examples = [
    '<%= config.bin %> filter --benchmark datacomp --filter heuristic --pool pools/datacomp-tiny --out heuristic.npy',
    '<%= config.bin %> filter --benchmark dclm --filter ./my-filter.ts --pool pools/dclm-tiny --out mine.npy',
    '<%= config.bin %> filter --benchmark datacomp --filter random --size 9000 --seed 1 --pool pools/datacomp-tiny --out random.npy',
  ]
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    filter: Flags.string({description: 'A built-in filter name or a module file.', required: true}),
    pool: Flags.string({description: 'The pool folder (as written by bench pool synth or the official download).', required: true}),
    out: Flags.string({description: 'The subset .npy to write.', required: true}),
    size: Flags.integer({description: 'Keep exactly this many samples (scoring filters such as random).', min: 0}),
    fraction: Flags.string({description: 'Keep this share of the pool (scoring filters), e.g. 0.3.'}),
    seed: Flags.integer({description: 'Seed for filters that draw random numbers.', default: 0, min: 0}),
  }

  async run(): Promise<ApplyFilterResult> {
    const {flags} = await this.parse(Filter)
    const benchmark = getBenchmark(flags.benchmark).id
    const fraction = flags.fraction === undefined ? undefined : Number(flags.fraction)
    const filter = await loadFilter(flags.filter, {benchmark, seed: flags.seed, pool: flags.pool})
    const progress = createProgressDisplay({label: `filter ${filter.name}`, unit: 'samples', quiet: this.jsonEnabled()})
    const result = await applyFilter({filter, benchmark, pool: flags.pool, out: flags.out, size: flags.size, fraction, onProgress: progress.update})
    progress.stop()
    if (!this.jsonEnabled()) {
      const share = result.poolRecords ? ((100 * result.kept) / result.poolRecords).toFixed(1) : '0'
      this.log(`${result.filter}: kept ${result.kept} of ${result.poolRecords} (${share}%) in ${result.seconds.toFixed(1)} s → ${result.out}`)
      this.log(`  fingerprint ${result.fingerprint}`)
    }
    return result
  }
}
