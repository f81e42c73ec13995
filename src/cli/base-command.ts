import {Command, Errors, Flags} from '@oclif/core'

// The built-in benchmarks are registered before any command (and its --benchmark flag) is defined.
import '../benchmarks/builtins.js'
import {setTableLayout} from '../ui/table.js'
import {closestMatch} from '../util/did-you-mean.js'
import {snakeCaseKeys} from './json-keys.js'
import {describeError, errorReport, printError, type ErrorReport} from './report-error.js'

/**
 * The base of every bench command: `--json` and `--wide` everywhere, and one error policy. A
 * DcbError prints one line (`error [CODE]: message`) plus its hints and exits with its code; bad
 * flags exit 2 (a mistyped one with a did-you-mean); anything else is a bug and says so — with the
 * stack trace only under --debug. Under --json every outcome, errors included, is one JSON document
 * on stdout.
 */
export abstract class BenchCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    debug: Flags.boolean({description: 'Print stack traces of unexpected errors.', helpGroup: 'GLOBAL'}),
    wide: Flags.boolean({description: 'Print tables at their natural width instead of fitting them to the terminal.', helpGroup: 'GLOBAL'}),
  }

  /** `--wide` is read before parsing (every command's tables depend on it, whatever fails later). */
  override async init(): Promise<void> {
    setTableLayout({wide: this.argv.includes('--wide')})
    await super.init()
  }

  /** Every command's --json result in snake_case keys (src/cli/json-keys.ts). */
  protected override toSuccessJson(result: unknown): unknown {
    return snakeCaseKeys(result)
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<void> {
    if (error instanceof Errors.ExitError) throw error
    const report = unknownFlag(error, this.id, this.allFlagNames()) ?? describeError(error)
    printError(report, this.jsonEnabled())
    if (report.code === 'DCB_INTERNAL' && this.argv.includes('--debug')) process.stderr.write(`${error.stack}\n`)
  }

  /** Every `--flag` (and `-c`) this command accepts, for did-you-mean. */
  private allFlagNames(): string[] {
    const flags: Record<string, {char?: string; hidden?: boolean}> = {...this.ctor.baseFlags, ...this.ctor.flags, ...(this.ctor.enableJsonFlag ? {json: {}} : {})}
    // Hidden flags are deprecated spellings: never suggest one.
    return Object.entries(flags).filter(([, flag]) => !flag.hidden).flatMap(([name, flag]) => [`--${name}`, ...(flag.char ? [`-${flag.char}`] : [])])
  }
}

/** oclif's "Nonexistent flag: --poool" as one DCB_UNKNOWN_FLAG line naming the closest real flag. */
function unknownFlag(error: Error, commandId: string | undefined, known: string[]): ErrorReport | undefined {
  const flags = (error as {flags?: unknown}).flags
  if (!(error instanceof Errors.CLIError) || !/^Nonexistent flags?:/.test(error.message) || !Array.isArray(flags)) return undefined
  const command = `bench ${(commandId ?? '').replaceAll(':', ' ')}`.trim()
  const typed = (flags as string[]).map((flag) => flag.split('=')[0]!)
  const guesses = typed.map((flag) => closestMatch(flag, known.filter((name) => name.startsWith('--'))))
  const didYouMean = guesses.every((g) => g !== undefined) ? `; did you mean ${guesses.join(', ')}?` : ''
  return errorReport('DCB_UNKNOWN_FLAG', `unknown flag${typed.length === 1 ? '' : 's'} ${typed.join(', ')} for \`${command}\`${didYouMean}`, [`\`${command} --help\` lists its flags`])
}
