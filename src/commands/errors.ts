import {Args} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {ERRORS, exitCodeSummary, lookUpErrorCode, type ErrorCode, type ErrorInfo} from '../errors.js'
import {renderTable, terminalWidth} from '../ui/table.js'

/** One catalogue entry, as `--json` prints it. */
type ErrorEntry = ErrorInfo & {code: ErrorCode}

export default class Errors extends BenchCommand {
  static override summary = 'List every DCB_ error code with its exit code, meaning and fix, or show one.'
  static override description =
    'The catalogue that docs/errors.md is written from. Every error dcbench reports carries one of these codes, and a code always exits with the same exit code. A code may be given in any case and without its DCB_ prefix.'
  static override examples = [
    '<%= config.bin %> errors',
    '<%= config.bin %> errors DCB_POOL_INPUT',
    '<%= config.bin %> errors pool_input --json',
  ]
  static override args = {
    code: Args.string({description: 'The code to show (default: list them all).'}),
  }

  async run(): Promise<ErrorEntry | {errors: ErrorEntry[]}> {
    const {args} = await this.parse(Errors)
    if (args.code !== undefined) {
      const entry = lookUpErrorCode(args.code)
      if (!this.jsonEnabled()) {
        this.log(`${entry.code}: exit ${entry.exitCode} (${exitCodeSummary(entry.exitCode)})`)
        this.log(`  meaning: ${entry.meaning}`)
        this.log(`  fix:     ${entry.fix}`)
        this.log(`  docs:    docs/errors.md#${entry.code.toLowerCase()}`)
      }
      return entry
    }
    const errors: ErrorEntry[] = (Object.keys(ERRORS) as ErrorCode[]).map((code) => ({code, ...ERRORS[code]}))
    if (!this.jsonEnabled()) {
      const rows = errors.map((e) => [e.code, e.exitCode, e.meaning, e.fix])
      this.log(renderTable(['code', 'exit', 'meaning', 'fix'], rows, {maxWidth: terminalWidth(), wrap: [2, 3]}))
      this.log(`${errors.length} codes; bench errors CODE shows one, docs/errors.md has them all.`)
    }
    return {errors}
  }
}
