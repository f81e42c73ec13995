import type {Hook} from '@oclif/core'

import {unknownCommand} from '../unknown-command.js'
import {printError} from '../report-error.js'

/** `bench subset valdate`: one DCB_UNKNOWN_COMMAND line with a did-you-mean (or JSON under --json), exit 2. */
const hook: Hook<'command_not_found'> = async function (options) {
  printError(unknownCommand(options.id, options.config), (options.argv ?? []).includes('--json'))
  process.exit()
}

export default hook
