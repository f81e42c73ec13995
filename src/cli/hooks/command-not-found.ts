import type {Hook} from '@oclif/core'

import {ERRORS, type ErrorCode} from '../../errors.js'

/** `bench nope`: one line in the usual error format, exit 2 (bad usage). */
const hook: Hook<'command_not_found'> = async function (options) {
  const known = options.config.commands.map((c) => c.id.replaceAll(':', ' ')).sort()
  const code: ErrorCode = 'DCB_UNKNOWN_COMMAND'
  process.stderr.write(`error [${code}]: unknown command '${options.id.replaceAll(':', ' ')}'; valid: ${known.join(', ')}\n`)
  process.exit(ERRORS[code].exitCode)
}

export default hook
