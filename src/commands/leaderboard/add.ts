import {Args, Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {DcbError} from '../../errors.js'
import {addEntry, DEFAULT_RERUN_TOLERANCE, defaultSuites} from '../../leaderboard/index.js'

export default class LeaderboardAdd extends BenchCommand {
  static override summary = 'Verify a signed entry and add it to a board (organizers).'
  static override description =
    "Runs every check of 'bench verify', then appends the entry to BOARD/entries.jsonl under a lock (temp file + rename: concurrent adds never lose one). Refuses duplicates (the same entry, or another entry for the same run). The entry is 'self-reported' unless --rerun gives the organizers' own signed re-run of the same subset whose headline agrees within --tolerance; then it is 'verified' (also for an entry already on the board)."
  static override examples = [
    '<%= config.bin %> leaderboard add entry.json --board board',
    '<%= config.bin %> leaderboard add entry.json --board board --rerun organizer-rerun.json',
  ]
  static override args = {
    entry: Args.string({description: "The entry file written by 'bench submit'.", required: true}),
  }
  static override flags = {
    board: Flags.string({description: 'Board folder (created on the first add).', required: true}),
    keyring: Flags.string({description: 'Trusted keys (default: BOARD/keyring).'}),
    rerun: Flags.string({description: "The organizers' signed entry for their re-run of this submission."}),
    tolerance: Flags.string({description: `Largest headline difference a re-run may show (default ${DEFAULT_RERUN_TOLERANCE}).`}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {args, flags} = await this.parse(LeaderboardAdd)
    const tolerance = flags.tolerance === undefined ? undefined : parseTolerance(flags.tolerance)
    const result = await addEntry({
      entryFile: args.entry,
      boardDir: flags.board,
      keyringDir: flags.keyring,
      rerunFile: flags.rerun,
      tolerance,
      suites: defaultSuites,
    })
    if (!this.jsonEnabled()) {
      const {benchmark, scale, track} = result.board
      this.log(`${result.action} ${result.entryId.slice(0, 12)}… to ${benchmark}/${scale}/${track} as ${result.status} (${result.records} entries on the board)`)
    }
    return {entryId: result.entryId, status: result.status, action: result.action, board: result.board, records: result.records, checks: result.report.checks}
  }
}

function parseTolerance(text: string): number {
  const value = Number(text)
  if (!Number.isFinite(value) || value < 0) {
    throw new DcbError('DCB_USAGE', `--tolerance: expected a number ≥ 0, received '${text}'`)
  }
  return value
}
