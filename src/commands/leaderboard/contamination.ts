import {Args, Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {attachContamination} from '../../leaderboard/index.js'

export default class LeaderboardContamination extends BenchCommand {
  static override summary = "Attach an organizer's signed contamination check to a board entry (organizers)."
  static override description =
    "Reads a report of `bench subset contamination` (--out), checks that it describes the entry's data (same benchmark and subset fingerprint: check the subset file, or the training data with --train-data), and adds its summary — clean or not, records flagged, tasks and items found, the report's sha256 — to the entry's board record, signed with an organizer key (one in the keyring's organizers/ folder). The entry and its own signature are unchanged; a later check replaces an earlier one. `bench leaderboard publish` shows it beside the entry's status and re-checks its signature when given a keyring."
  static override examples = [
    '<%= config.bin %> leaderboard contamination 3f2a9c1e --board board --report contamination.json --key keys/organizer.key',
  ]
  static override args = {
    entry: Args.string({description: 'The entry id on the board (or its first 8+ hex digits).', required: true}),
  }
  static override flags = {
    board: Flags.string({description: 'Board folder.', required: true}),
    report: Flags.string({description: 'The contamination report (JSON) of the entry\'s data.', required: true}),
    key: Flags.string({description: "The organizer's private key (NAME.key) to sign with.", required: true}),
    keyring: Flags.string({description: 'Trusted keys (default: BOARD/keyring).'}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {args, flags} = await this.parse(LeaderboardContamination)
    const result = await attachContamination({boardDir: flags.board, entry: args.entry, reportFile: flags.report, keyFile: flags.key, keyringDir: flags.keyring})
    const r = result.record
    if (!this.jsonEnabled()) {
      const verdict = r.clean ? 'clean' : `${r.records_flagged} of ${r.records_checked} records hold eval items of ${r.found.length} task part(s)`
      this.log(`${result.replaced ? 'replaced the' : 'attached a'} contamination record on ${result.entryId.slice(0, 12)}…: ${verdict} (${r.suite}, signed by key ${r.signature.key_id.slice(0, 12)}…)`)
    }
    return {entryId: result.entryId, replaced: result.replaced, contamination: r}
  }
}
