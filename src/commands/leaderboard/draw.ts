import {existsSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {Args, Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {DcbError} from '../../errors.js'
import {defaultSuites, drawTasks, entryId, isBound, readEntryFile, type TaskDraw} from '../../leaderboard/index.js'

export default class LeaderboardDraw extends BenchCommand {
  static override summary = 'Draw the tasks to re-evaluate a submitted model on (organizers).'
  static override description =
    "Draws --count of the entry's tasks from a fresh random seed, after submission, so a participant cannot know which tasks will be checked. Prints the tasks, the seed (publish it: the same seed and entry give the same draw) and the 'bench eval' command that re-evaluates the entry's model folder on them; give that eval output to 'bench leaderboard add --reeval' to mark the entry re-evaluated."
  static override examples = [
    '<%= config.bin %> leaderboard draw board/bundles/3f2a…/entry.json --count 8',
    '<%= config.bin %> leaderboard draw entry.json --count 8 --seed 5e1c… --json',
  ]
  static override args = {
    entry: Args.string({description: "The entry (BOARD/bundles/<entry id>/entry.json after 'leaderboard add --bundle').", required: true}),
  }
  static override flags = {
    count: Flags.integer({description: 'How many tasks to draw.', required: true, min: 1}),
    seed: Flags.string({description: 'Replay an earlier draw from its seed (default: 32 fresh random bytes).'}),
  }

  async run(): Promise<TaskDraw & {command: string}> {
    const {args, flags} = await this.parse(LeaderboardDraw)
    const read = await readEntryFile(args.entry)
    if (!read.entry) throw new DcbError('DCB_ENTRY_FILE', `${args.entry}: ${read.schemaProblem ?? 'not an entry'}`)
    const entry = read.entry
    if (!isBound(entry)) throw new DcbError('DCB_ENTRY_REJECTED', `${args.entry}: entry format version 1 names no model, so there is nothing to re-evaluate`)
    const suite = defaultSuites(entry.eval.suite)
    if (!suite) throw new DcbError('DCB_UNKNOWN_SUITE', `${args.entry}: eval.suite '${entry.eval.suite}' is not a suite this dcbench scores`)
    const draw = drawTasks({entryId: entryId(read.raw), entry, suite, count: flags.count, seed: flags.seed})
    const bundled = join(dirname(args.entry), 'run', 'model')
    const model = existsSync(bundled) ? bundled : 'MODEL_DIR'
    const command = `bench eval --benchmark ${entry.benchmark} --scale ${entry.scale} --model ${model} --tasks ${draw.tasks.join(',')} --out ${join(dirname(args.entry), 'reeval')}`
    if (!this.jsonEnabled()) {
      this.log(`drew ${draw.tasks.length} of ${Object.keys(entry.eval.tasks).length} tasks for entry ${draw.entry_id.slice(0, 12)}… (seed ${draw.seed}):`)
      for (const task of draw.tasks) this.log(`  ${task}`)
      this.log(`re-evaluate with:\n  ${command}`)
    }
    return {...draw, command}
  }
}
