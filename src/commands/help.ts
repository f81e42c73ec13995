import {Args, loadHelpClass} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'

export default class HelpCommand extends BenchCommand {
  static override summary = 'Show help for bench, a topic or a command (the same as COMMAND --help).'
  static override description = 'With no argument, lists the topics and commands. An unknown name is answered with the closest real command.'
  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help subset validate', '<%= config.bin %> help eval']
  static override args = {
    command: Args.string({description: 'The command or topic, words separated by spaces (e.g. subset validate).'}),
  }
  // The command's words are separate arguments: `bench help subset validate`.
  static override strict = false
  static override enableJsonFlag = false

  async run(): Promise<void> {
    const {argv} = await this.parse(HelpCommand)
    const Help = await loadHelpClass(this.config)
    await new Help(this.config, this.config.pjson.oclif.helpOptions).showHelp(argv as string[])
  }
}
