import {Command, Errors, Flags} from '@oclif/core'

// The built-in benchmarks are registered before any command (and its --benchmark flag) is defined.
import '../benchmarks/builtins.js'
import {ERRORS, isDcbError, type ErrorCode} from '../errors.js'

/**
 * The base of every bench command: `--json` everywhere, and one error policy. A DcbError prints one
 * line (`error [CODE]: message`) plus its hints and exits with its code; bad flags exit 2; anything
 * else is a bug and says so — with the stack trace only under --debug.
 */
export abstract class BenchCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    debug: Flags.boolean({description: 'Print stack traces of unexpected errors.', helpGroup: 'GLOBAL'}),
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<void> {
    if (error instanceof Errors.ExitError) throw error
    const {code, message, exitCode, suggestions} = describe(error)
    process.exitCode = exitCode
    if (this.jsonEnabled()) {
      this.logJson({error: {code, message, exitCode, suggestions}})
      return
    }
    process.stderr.write(`error [${code}]: ${message}\n`)
    for (const hint of suggestions) process.stderr.write(`  hint: ${hint}\n`)
    if (code === 'DCB_INTERNAL' && this.argv.includes('--debug')) process.stderr.write(`${error.stack}\n`)
  }
}

interface ErrorReport {
  code: ErrorCode
  message: string
  exitCode: number
  suggestions: string[]
}

function describe(error: Error): ErrorReport {
  if (isDcbError(error)) {
    return {code: error.code, message: error.message, exitCode: error.exitCode, suggestions: error.suggestions}
  }
  if (error instanceof Errors.CLIError) {
    // oclif's own parse errors (missing/unknown flags, bad option values): bad usage.
    // Their messages wrap the problem in boilerplate lines; keep only the problem, on one line.
    const problem = error.message
      .split('\n')
      .map((line) => line.trim().replace(/\s{2,}/g, ' '))
      .filter((line) => line !== '' && !/^The following errors? occurred:?$/.test(line) && !/^See more help with/.test(line))
      // a line ending in ':' introduces the next ("Missing 1 required arg: file …"), others are separate problems
      .reduce((joined, line) => (joined === '' ? line : `${joined}${joined.endsWith(':') ? ' ' : '; '}${line}`), '')
    return report('DCB_USAGE', problem || error.message, ['see --help'])
  }
  return report('DCB_INTERNAL', `this is a bug in dcbench: ${error.message.split('\n')[0]}`, ['re-run with --debug and report the output with the command you ran'])
}

/** The codes reported without a DcbError take their exit codes from the catalogue too. */
function report(code: ErrorCode, message: string, suggestions: string[]): ErrorReport {
  return {code, message, exitCode: ERRORS[code].exitCode, suggestions}
}
