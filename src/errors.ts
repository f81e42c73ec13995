/**
 * The one error type of dcbench. Every failure a user can cause or fix is a DcbError with a stable
 * `code`, a one-line message (what failed · where · what was received · what was expected) and the
 * process exit code the CLI ends with. Anything else that escapes is a bug.
 */

/** Process exit codes shared by every command (a test pins this table). */
export const ExitCode = {
  /** The command did what was asked and every check passed. */
  Ok: 0,
  /** The input was usable but a check failed (invalid subset, rejected entry, disagreeing aggregate…). */
  CheckFailed: 1,
  /** Bad usage or unusable input: unknown flag value, unreadable or malformed file. */
  Usage: 2,
  /** An environment problem outside the input: Docker engine, python3, a container that died. */
  Environment: 3,
  /** A bug in dcbench itself. */
  Internal: 70,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface DcbErrorOptions {
  /** Commands or hints that fix the problem, printed after the message. */
  suggestions?: string[]
  /** Defaults to ExitCode.Usage. */
  exitCode?: ExitCodeValue
  cause?: unknown
}

export class DcbError extends Error {
  readonly code: string
  readonly exitCode: ExitCodeValue
  readonly suggestions: string[]

  constructor(code: `DCB_${string}`, message: string, options: DcbErrorOptions = {}) {
    super(message, {cause: options.cause})
    this.name = 'DcbError'
    this.code = code
    this.exitCode = options.exitCode ?? ExitCode.Usage
    this.suggestions = options.suggestions ?? []
  }
}

export function isDcbError(error: unknown): error is DcbError {
  return error instanceof DcbError
}

/** Lists valid choices the same way in every "unknown X" message. */
export function unknownChoice(what: string, received: string, valid: readonly string[]): DcbError {
  return new DcbError('DCB_UNKNOWN_CHOICE', `unknown ${what} '${received}'; valid: ${valid.join(', ')}`)
}
