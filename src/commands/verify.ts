import {Args, Flags} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {DcbError, ExitCode} from '../errors.js'
import {
  defaultSuites,
  evalChecker,
  loadKeyring,
  poolIndexChecker,
  externalModelChecker,
  runChecker,
  verifyBundle,
  verifyEntry,
  type FileChecker,
  type VerifyReport,
} from '../leaderboard/index.js'

export default class Verify extends BenchCommand {
  static override summary = 'Verify a signed leaderboard entry: signature, schema, recipe, scores, and optionally the files it describes.'
  static override description =
    "Checks the entry's schema version, its ed25519 signature against the keyring, that its recipe hash is the scale's frozen recipe, that every task of the suite is present with a score in [0, 1], and that its aggregates equal those the suite's aggregator recomputes. With --run (or --model, for an external checkpoint's entry), --eval or --pool-index, also that those files hash to what the entry says; with --bundle instead of ENTRY, unpacks a submission bundle (as a hostile archive, into a temporary folder removed afterwards) and checks its entry and every file it carries. Prints one line per check; exits 1 when any fails."
  static override examples = [
    '<%= config.bin %> verify --bundle small.tar --keyring board/keyring',
    '<%= config.bin %> verify entry.json --keyring board/keyring',
    '<%= config.bin %> verify entry.json --keyring board/keyring --run runs/small --eval runs/small/eval/eval_results.jsonl',
  ]
  static override args = {
    entry: Args.string({description: "The entry file written by 'bench submit' (or give --bundle)."}),
  }
  static override flags = {
    keyring: Flags.string({description: 'Folder of trusted public keys (NAME.pub).', required: true}),
    run: Flags.string({description: 'Run folder (or its run.json) the entry claims; its manifest hash must match.'}),
    model: Flags.string({description: "For an external checkpoint's entry (run: null): the model folder 'bench export' wrote; every file must hash to the entry's model."}),
    eval: Flags.string({description: 'Eval output file the entry claims; its sha256 and task scores must match.'}),
    'pool-index': Flags.string({description: 'Pool uid index file; its sha256 must match data.pool_index_sha256.'}),
    bundle: Flags.string({description: "A submission bundle ('bench submit --bundle') instead of ENTRY, --run and --eval.", helpValue: 'B.tar', exclusive: ['run', 'model', 'eval']}),
  }

  async run(): Promise<VerifyReport> {
    const {args, flags} = await this.parse(Verify)
    const keyring = await loadKeyring(flags.keyring)
    const fileChecks: FileChecker[] = []
    if (flags.run) fileChecks.push(runChecker(flags.run))
    if (flags.model) fileChecks.push(externalModelChecker(flags.model))
    if (flags.eval) fileChecks.push(evalChecker(flags.eval, defaultSuites))
    if (flags['pool-index']) fileChecks.push(poolIndexChecker(flags['pool-index']))
    if ((args.entry === undefined) === (flags.bundle === undefined)) throw new DcbError('DCB_USAGE', 'give an ENTRY file or --bundle B.tar (one of them)')
    const report =
      flags.bundle === undefined
        ? await verifyEntry({entry: args.entry as string, keyring, suites: defaultSuites, fileChecks})
        : await verifyBundle({bundle: flags.bundle, keyring, suites: defaultSuites, fileChecks})
    if (!this.jsonEnabled()) {
      for (const check of report.checks) this.log(`${check.ok ? 'ok  ' : 'FAIL'} ${check.name.padEnd(10)} ${check.detail}`)
      const failed = report.checks.filter((c) => !c.ok)
      if (report.ok) this.log(`verified: ${report.file} (entry ${report.entryId})`)
      else process.stderr.write(`rejected: ${report.file}: ${failed[0]?.detail}${failed.length > 1 ? ` (+${failed.length - 1} more)` : ''}\n`)
    }
    if (!report.ok) process.exitCode = ExitCode.CheckFailed
    return report
  }
}
