import {Args, Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {DcbError} from '../../errors.js'
import {addBundle, addEntry, defaultSuites, MAX_TOLERANCE_FACTOR, type AddEntryResult} from '../../leaderboard/index.js'
import {createProgressDisplay} from '../../ui/progress.js'
import {checkOutputPath} from '../../util/cli-path.js'

export default class LeaderboardAdd extends BenchCommand {
  static override summary = 'Verify a signed entry and add it to a board (organizers).'
  static override description =
    "Runs every check of 'bench verify', then appends the entry to BOARD/entries.jsonl under a lock (temp file + rename: concurrent adds never lose one). Refuses duplicates (the same entry, or another entry for the same run) and entries not bound to a model (format version 1). The entry is 'self-reported'; 're-evaluated' when --reeval gives the organizers' eval output of the submitted model folder (all tasks, or a sample drawn after submission) and every task agrees; 'verified' when --rerun gives the organizers' own signed re-run of the same subset and every task and the headline agree (also for an entry already on the board). A task agrees within max(0.02, 3·√(p(1−p)/n)) for score p over n examples, the headline within 0.01; --tolerance multiplies both (below 1 tightens, at most 2). One re-run verifies one entry.\n\nWith --bundle instead of ENTRY, takes a submission bundle ('bench submit --bundle'): it is unpacked as a hostile archive (regular files at plain paths only, each hashed against bundle.json), its run.json, model files and eval output are checked against the signed entry, and it is kept as BOARD/bundles/<entry id>/, whose run/model folder is what an organizer re-evaluates ('bench leaderboard draw' samples the tasks)."
  static override examples = [
    '<%= config.bin %> leaderboard add entry.json --board board',
    '<%= config.bin %> leaderboard add --bundle small.tar --board board',
    '<%= config.bin %> leaderboard add entry.json --board board --rerun organizer-rerun.json',
    '<%= config.bin %> leaderboard add entry.json --board board --reeval reeval/eval_results.jsonl --tolerance 0.5',
  ]
  static override args = {
    entry: Args.string({description: "The entry file written by 'bench submit' (or give --bundle)."}),
  }
  static override flags = {
    board: Flags.string({description: 'Board folder (created on the first add).', required: true}),
    bundle: Flags.string({description: "A submission bundle ('bench submit --bundle') instead of ENTRY: its files are checked and kept on the board.", helpValue: 'B.tar'}),
    keyring: Flags.string({description: 'Trusted keys (default: BOARD/keyring).'}),
    rerun: Flags.string({description: "The organizers' signed entry for their re-run of this submission."}),
    reeval: Flags.string({description: "The organizers' eval output (bench eval) of the submitted model folder: marks the entry re-evaluated."}),
    tolerance: Flags.string({description: `A factor on the agreement bounds of --rerun and --reeval: below 1 tightens them, at most ${MAX_TOLERANCE_FACTOR} (default 1).`}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {args, flags} = await this.parse(LeaderboardAdd)
    checkOutputPath(flags.board, {flag: '--board', kind: 'folder'})
    const tolerance = flags.tolerance === undefined ? undefined : parseTolerance(flags.tolerance)
    if ((args.entry === undefined) === (flags.bundle === undefined)) {
      throw new DcbError('DCB_USAGE', 'give an ENTRY file or --bundle B.tar (one of them)')
    }
    const common = {boardDir: flags.board, keyringDir: flags.keyring, rerunFile: flags.rerun, reevalFile: flags.reeval, tolerance, suites: defaultSuites}
    let result: AddEntryResult & {bundleDir?: string}
    if (flags.bundle === undefined) {
      result = await addEntry({...common, entryFile: args.entry as string})
    } else {
      const display = createProgressDisplay({label: `unpacking ${flags.bundle}`, unit: 'bytes', quiet: this.jsonEnabled()})
      try {
        result = await addBundle({...common, bundle: flags.bundle, onProgress: display.update})
      } finally {
        display.stop()
      }
    }
    if (!this.jsonEnabled()) {
      const {benchmark, scale, track} = result.board
      this.log(`${result.action} ${result.entryId.slice(0, 12)}… to ${benchmark}/${scale}/${track} as ${result.status} (${result.records} entries on the board)`)
      if (result.bundleDir) this.log(`  model and eval output kept in ${result.bundleDir}`)
    }
    return {
      entryId: result.entryId,
      status: result.status,
      action: result.action,
      board: result.board,
      records: result.records,
      ...(result.bundleDir ? {bundleDir: result.bundleDir} : {}),
      checks: result.report.checks,
    }
  }
}

function parseTolerance(text: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value)) throw new DcbError('DCB_USAGE', `--tolerance: expected a number, received '${text}'`)
  return value
}
