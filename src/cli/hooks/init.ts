import type {Hook} from '@oclif/core'

import {printError} from '../report-error.js'
import {unknownCommand} from '../unknown-command.js'

const HELP_FLAGS = new Set(['--help', '-h'])

/**
 * Help for something that does not exist (`bench subset valdate --help`, `bench help evl`) is
 * reported as an unknown command is — one DCB_UNKNOWN_COMMAND line with a did-you-mean, exit 2 —
 * before oclif's help would print its own "Command … not found." error.
 */
const hook: Hook<'init'> = async function ({argv, config, id}) {
  if (id === undefined || HELP_FLAGS.has(id)) return
  const beforeDashes = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv
  let subject: string | undefined
  if (id === 'help') subject = beforeDashes.filter((a) => !a.startsWith('-')).join(':')
  else if (beforeDashes.some((a) => HELP_FLAGS.has(a))) subject = id
  if (!subject || config.findCommand(subject) || config.findTopic(subject)) return
  printError(unknownCommand(subject, config), argv.includes('--json'))
  process.exit()
}

export default hook
