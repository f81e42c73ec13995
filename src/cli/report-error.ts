import {Errors} from '@oclif/core'

import {ERRORS, isDcbError, type ErrorCode} from '../errors.js'

/** An error as the CLI reports it: on stderr as one line plus hints, or under --json as one document. */
export interface ErrorReport {
  code: ErrorCode
  message: string
  exitCode: number
  suggestions: string[]
}

/** The codes reported without a DcbError take their exit codes from the catalogue too. */
export function errorReport(code: ErrorCode, message: string, suggestions: string[] = []): ErrorReport {
  return {code, message, exitCode: ERRORS[code].exitCode, suggestions}
}

/**
 * What any error escaping a command means to the user: a DcbError as it is, oclif's own parse errors
 * (missing flags, bad option values) as DCB_USAGE on one line, anything else a bug (DCB_INTERNAL).
 */
export function describeError(error: Error): ErrorReport {
  if (isDcbError(error)) return errorReport(error.code, error.message, error.suggestions)
  if (error instanceof Errors.CLIError) {
    // Their messages wrap the problem in boilerplate lines; keep only the problem, on one line.
    const problem = error.message
      .split('\n')
      .map((line) => line.trim().replace(/\s{2,}/g, ' '))
      .filter((line) => line !== '' && !/^The following errors? occurred:?$/.test(line) && !/^See more help with/.test(line))
      // a line ending in ':' introduces the next ("Missing 1 required arg: file …"), others are separate problems
      .reduce((joined, line) => (joined === '' ? line : `${joined}${joined.endsWith(':') ? ' ' : '; '}${line}`), '')
    return errorReport('DCB_USAGE', problem || error.message, ['see --help'])
  }
  return errorReport('DCB_INTERNAL', `this is a bug in dcbench: ${error.message.split('\n')[0]}`, ['re-run with --debug and report the output with the command you ran'])
}

/** The one JSON error document of `--json` (snake_case keys, as every JSON output). */
export function errorJson(report: ErrorReport): {error: {code: string; message: string; exit_code: number; suggestions: string[]}} {
  return {error: {code: report.code, message: report.message, exit_code: report.exitCode, suggestions: report.suggestions}}
}

/**
 * Prints an error the one way every part of the CLI does (commands, the unknown-command hook, help):
 * `error [CODE]: message` and indented hints on stderr, or the JSON document on stdout under --json.
 * Sets the process exit code; the caller returns or exits.
 */
export function printError(report: ErrorReport, json: boolean): void {
  process.exitCode = report.exitCode
  if (json) {
    process.stdout.write(`${JSON.stringify(errorJson(report), null, 2)}\n`)
    return
  }
  process.stderr.write(`error [${report.code}]: ${report.message}\n`)
  for (const hint of report.suggestions) process.stderr.write(`  hint: ${hint}\n`)
}
