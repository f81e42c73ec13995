import {Args, Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {parseByteSize} from '../../cli/byte-size.js'
import {benchmarkFlag, scaleFlag} from '../../cli/flags.js'
import {getBenchmark} from '../../benchmarks/registry.js'
import {ExitCode} from '../../errors.js'
import {validateSubset, type SubsetValidationReport} from '../../subset/index.js'
import {formatBytes} from '../../ui/bytes.js'
import {createProgressDisplay} from '../../ui/progress.js'
import {checkOutputPath} from '../../util/cli-path.js'

export default class SubsetValidate extends BenchCommand {
  static override summary = 'Check a subset (.npy, raw, .parquet, .csv) against a scale and its pool index; report size, repetition, epochs and fingerprint.'
  static override description =
    "Checks the file's format (npy header, dtype u8,u8, shape, length; table uid/repeat columns), ascending uid order (npy/raw: the resharder binary-searches them; --sort writes a sorted copy instead of failing), that every uid is in the pool (a streamed merge-join against the .uidx of `bench pool index`), that the subset is no larger than the scale's pool, and that repeat counts are non-negative integers. Reports distinct uids, fraction of the pool, samples per pass (with repeats), the repetition histogram, the epochs the scale's budget implies (warning past 10), and the sha256 fingerprint of the canonical sorted uid list (the same for the same subset in any format). Streamed: memory stays flat in the subset size. Exit 0 valid, 1 invalid (every reason listed), 2 unusable input."
  static override examples = [
    '<%= config.bin %> subset validate subset.npy --benchmark datacomp --scale medium --pool-index medium.uidx',
    '<%= config.bin %> subset validate picks.csv --benchmark datacomp --scale tiny --pool-index pool.uidx --sort picks.npy',
    '<%= config.bin %> subset validate docs.parquet --benchmark dclm --scale tiny --pool-index dclm.uidx --json',
  ]
  static override args = {
    file: Args.string({description: 'The subset file: .npy, raw (headerless 16-byte records), .parquet or .csv.', required: true}),
  }
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    scale: scaleFlag({required: true}),
    'pool-index': Flags.string({description: 'The pool uid index (.uidx) from `bench pool index`.', exactlyOne: ['pool-index', 'pool']}),
    // --pool is the pool folder everywhere else (filter, reshard); here it once meant the index.
    pool: Flags.string({description: 'Deprecated: use --pool-index.', hidden: true}),
    sort: Flags.string({description: 'Write the subset in ascending order to this file (format from its extension) instead of failing when it is unsorted.', helpValue: 'OUT'}),
    examples: Flags.integer({description: 'How many uids not in the pool to list.', default: 10, min: 0}),
    memory: Flags.string({description: 'Sort memory for an unsorted file (beyond it, sorted runs go to disk).', default: '1GiB'}),
    'tmp-dir': Flags.string({description: 'Folder for sorted runs (default: the OS temp folder).'}),
  }

  async run(): Promise<SubsetValidationReport> {
    const {args, flags} = await this.parse(SubsetValidate)
    if (flags.sort !== undefined) checkOutputPath(flags.sort, {flag: '--sort', kind: 'file', expected: 'the sorted subset file to write'})
    if (flags.pool !== undefined) process.stderr.write('warning: --pool is deprecated for subset validate; use --pool-index FILE.uidx (--pool names a pool folder in filter and reshard)\n')
    const progress = createProgressDisplay({label: 'validate', unit: 'uids', quiet: this.jsonEnabled()})
    const report = await validateSubset({
      file: args.file,
      benchmark: flags.benchmark,
      scale: flags.scale,
      poolIndex: (flags['pool-index'] ?? flags.pool)!,
      sortOut: flags.sort,
      maxExamples: flags.examples,
      memoryBytes: parseByteSize(flags.memory, '--memory'),
      tmpDir: flags['tmp-dir'],
      onProgress: progress.update,
    })
    progress.stop()
    if (!this.jsonEnabled()) this.printReport(report)
    if (!report.valid) process.exitCode = ExitCode.CheckFailed
    return report
  }

  private printReport(r: SubsetValidationReport): void {
    const unit = getBenchmark(r.benchmark).nouns.ids
    const pct = r.fractionOfPool === null ? '' : ` (${(r.fractionOfPool * 100).toPrecision(3)}% of the ${r.poolSize}-sample pool)`
    this.log(`${r.file} (${r.format}, ${r.bytes} bytes) for ${r.benchmark} ${r.scale}:`)
    this.log(`  ${r.count} distinct ${unit}${pct}; ${r.samplesPerPass} samples per pass`)
    const rep = r.repetition
    if (rep.repeatedUids > 0) {
      const histogram = Object.entries(rep.histogram).map(([k, v]) => `${k}×: ${v}`).join(', ')
      this.log(`  repetition: ${rep.repeatedUids} ${unit} repeated (max ${rep.maxRepeat}×, ${rep.extraSamples} extra samples); ${histogram}`)
    }
    const e = r.epochs
    this.log(`  ${e.budgetKind} ${e.budget}: ${e.epochs === null ? 'epochs unknown' : `${e.estimated ? '≈' : ''}${e.epochs.toPrecision(3)} epochs`}`)
    const table = r.format === 'csv' || r.format === 'parquet'
    const order = r.sortedInFile ? 'ascending' : table ? 'rows not in uid order (fine for a table)' : 'NOT ascending'
    this.log(`  order: ${order}${r.sortedCopy ? `; sorted copy → ${r.sortedCopy}` : ''}`)
    this.log(`  pool: ${r.membership.checked ? (r.membership.strangers === 0 ? 'every uid is in the pool index' : `${r.membership.strangers} not in the pool index`) : 'not checked'}`)
    this.log(`  fingerprint sha256:${r.fingerprint}`)
    for (const warning of r.warnings) process.stderr.write(`warning: ${warning}\n`)
    // the verdict is the result, valid or not: both on stdout (stderr is for errors and warnings)
    if (r.valid) this.log(`valid (${r.seconds.toFixed(2)} s, ${formatBytes(r.throughput.bytesPerSecond)}/s)`)
    else for (const reason of r.reasons) this.log(`invalid: ${reason}`)
  }
}
