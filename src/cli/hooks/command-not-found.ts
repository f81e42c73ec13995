import type {Hook} from '@oclif/core'

import {ExitCode} from '../../errors.js'

/** `bench nope`: one line in the usual error format, exit 2 (bad usage). */
const hook: Hook<'command_not_found'> = async function (options) {
  const known = options.config.commands.map((c) => c.id.replaceAll(':', ' ')).sort()
  process.stderr.write(`error [DCB_UNKNOWN_COMMAND]: unknown command '${options.id.replaceAll(':', ' ')}'; valid: ${known.join(', ')}\n`)
  process.exit(ExitCode.Usage)
}

export default hook
