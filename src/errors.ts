/**
 * The one error type of dcbench. Every failure a user can cause or fix is a DcbError with a stable
 * `code`, a one-line message (what failed · where · what was received · what was expected) and the
 * process exit code the CLI ends with, which the code's entry in the catalogue (error-catalogue.ts)
 * fixes. Anything else that escapes is a bug.
 */
import {ERRORS, ExitCode, isErrorCode, type ErrorCode, type ErrorInfo, type ExitCodeValue} from './error-catalogue.js'
import {closestMatch} from './util/did-you-mean.js'

export {ERROR_AREAS, ERRORS, EXIT_CODE_MEANINGS, ExitCode, exitCodeSummary, isErrorCode} from './error-catalogue.js'
export type {ErrorArea, ErrorCode, ErrorInfo, ExitCodeValue} from './error-catalogue.js'

export interface DcbErrorOptions {
  /** Commands or hints that fix the problem, printed after the message. */
  suggestions?: string[]
  cause?: unknown
}

export class DcbError extends Error {
  readonly code: ErrorCode
  /** The catalogue's exit code for `code`: no call site chooses another. */
  readonly exitCode: ExitCodeValue
  readonly suggestions: string[]

  constructor(code: ErrorCode, message: string, options: DcbErrorOptions = {}) {
    super(message, {cause: options.cause})
    this.name = 'DcbError'
    this.code = code
    // Untyped (JavaScript) callers can pass a code the catalogue lacks: that is their bug.
    this.exitCode = isErrorCode(code) ? ERRORS[code].exitCode : ExitCode.Internal
    this.suggestions = options.suggestions ?? []
  }
}

export function isDcbError(error: unknown): error is DcbError {
  return error instanceof DcbError
}

/** Lists valid choices the same way in every "unknown X" message. */
export function unknownChoice(what: string, received: string, valid: readonly string[]): DcbError {
  return new DcbError('DCB_UNKNOWN_CHOICE', `unknown ${what} '${received}'; ${choiceList(received, valid)}`)
}

/** Past this many characters a list of valid choices is cut: one error line names the problem, not the world. */
const CHOICE_LIST_CHARS = 160

/**
 * `valid: a, b, c` when the list is short; else the closest choice (a slip of the keyboard) and the
 * first few of the list with how many there are — keeping the error on one line of reasonable length.
 */
export function choiceList(received: string, valid: readonly string[]): string {
  const all = valid.join(', ')
  if (all.length <= CHOICE_LIST_CHARS) return `valid: ${all}`
  const guess = closestMatch(received, valid)
  let shown = 0
  while (shown < valid.length && valid.slice(0, shown + 1).join(', ').length <= CHOICE_LIST_CHARS / 2) shown++
  return `${guess === undefined ? '' : `did you mean '${guess}'? `}${valid.length} valid: ${valid.slice(0, Math.max(1, shown)).join(', ')}, …`
}

/**
 * One code's catalogue entry, for `bench errors CODE`. Accepts any case and the code without its
 * `DCB_` prefix; an unknown code is DCB_UNKNOWN_CHOICE (without the list: `bench errors` is it).
 */
export function lookUpErrorCode(code: string): ErrorInfo & {code: ErrorCode} {
  const upper = code.trim().toUpperCase()
  const full = upper.startsWith('DCB_') ? upper : `DCB_${upper}`
  if (!isErrorCode(full)) throw new DcbError('DCB_UNKNOWN_CHOICE', `unknown error code '${code}'`, {suggestions: ['bench errors lists every code']})
  return {code: full, ...ERRORS[full]}
}
