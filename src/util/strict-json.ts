/**
 * Strict JSON: one reading of a text, or a refusal. For files whose every reader must see the same
 * thing (signed entries, boards, manifests, pool records), `JSON.parse` is too lenient: it keeps the
 * last of two equal keys (so a signature can cover one reading and a page show another), lets
 * `__proto__` through as an own key that later spreads and merges turn into a prototype, reads
 * `1e400` as Infinity, and keeps lone UTF-16 surrogates, which become U+FFFD when hashed as UTF-8 —
 * two different strings with one signature.
 *
 * `parseStrictJson` accepts exactly RFC 8259 JSON with the restrictions of I-JSON (RFC 7493) and
 * these on top, and refuses with a `StrictJsonError` that says where:
 *
 * - a key twice in one object;
 * - the keys `__proto__`, `constructor` and `prototype` (at any depth);
 * - a number that is not finite as a double (`1e400`, `-1e999`);
 * - a lone surrogate, escaped (`"\ud800"`) or not;
 * - nesting deeper than `maxDepth` (default 64), so a hostile file cannot exhaust the stack;
 * - anything JSON.parse also refuses (a byte-order mark included).
 *
 * Objects come back with a null prototype: `obj.toString`, `'constructor' in obj` and the like see
 * only the file's keys. Everything else is as JSON.parse returns it (the same numbers and strings).
 */

/** Keys that name parts of JavaScript's object model; refused wherever they appear. */
export const FORBIDDEN_JSON_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype']

/** A parsed strict JSON value. Objects have a null prototype. */
export type StrictJsonValue = null | boolean | number | string | StrictJsonValue[] | {[key: string]: StrictJsonValue}

/** Default deepest nesting of arrays and objects; signed entries and manifests need under 10. */
export const STRICT_JSON_MAX_DEPTH = 64

export interface StrictJsonOptions {
  /** Deepest nesting of arrays and objects (default 64, at most 1000). */
  maxDepth?: number
}

/** Why and where a text was refused. `message` is `line L, column C: reason`, for the caller to prefix with its file. */
export class StrictJsonError extends Error {
  /** What was wrong, without the position ("duplicate key \"a\""). */
  readonly reason: string
  /** 0-based UTF-16 offset into the text (bytes, for `parseStrictJsonBytes` errors before parsing). */
  readonly offset: number
  /** 1-based line and column of the offset. */
  readonly line: number
  readonly column: number

  constructor(reason: string, offset: number, line: number, column: number) {
    super(`line ${line}, column ${column}: ${reason}`)
    this.name = 'StrictJsonError'
    this.reason = reason
    this.offset = offset
    this.line = line
    this.column = column
  }
}

/** Parses a JSON text strictly (see the module comment); throws a StrictJsonError. */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): StrictJsonValue {
  return new Parser(text, Math.min(options.maxDepth ?? STRICT_JSON_MAX_DEPTH, 1000)).document()
}

/**
 * Parses UTF-8 bytes strictly: invalid UTF-8 (overlong forms, encoded surrogates, truncated
 * sequences) is refused rather than replaced by U+FFFD, and so is a byte-order mark.
 */
export function parseStrictJsonBytes(bytes: Uint8Array, options: StrictJsonOptions = {}): StrictJsonValue {
  return parseStrictJson(decodeUtf8Strictly(bytes), options)
}

/** UTF-8 bytes as a string, refusing anything that is not valid UTF-8 (StrictJsonError at the first bad byte). A BOM is kept, so the parser refuses it. */
export function decodeUtf8Strictly(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', {fatal: true, ignoreBOM: true}).decode(bytes)
  } catch {
    const offset = firstInvalidUtf8Byte(bytes)
    const before = new TextDecoder().decode(bytes.subarray(0, offset))
    const {line, column} = position(before, before.length)
    throw new StrictJsonError(`invalid UTF-8 at byte ${offset} (0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')})`, offset, line, column)
  }
}

/** The offset of the first byte that starts no valid UTF-8 sequence (RFC 3629 table). */
function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i] as number
    let need: number
    let low = 0x80
    let high = 0xbf
    if (b < 0x80) need = 0
    else if (b >= 0xc2 && b <= 0xdf) need = 1
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2
      if (b === 0xe0) low = 0xa0
      if (b === 0xed) high = 0x9f
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3
      if (b === 0xf0) low = 0x90
      if (b === 0xf4) high = 0x8f
    } else return i
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]
      if (c === undefined || c < (k === 1 ? low : 0x80) || c > (k === 1 ? high : 0xbf)) return i
    }
    i += need + 1
  }
  return i
}

function position(text: string, offset: number): {line: number; column: number} {
  let line = 1
  let lineStart = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  return {line, column: offset - lineStart + 1}
}

/** Runs of string characters that need no attention: not a quote, backslash, control or surrogate. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what a JSON string may not hold raw
const PLAIN = /[^"\\\u0000-\u001f\ud800-\udfff]*/y
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y
const HEX4 = /^[0-9a-fA-F]{4}$/
const ESCAPES = new Map([['"', '"'], ['\\', '\\'], ['/', '/'], ['b', '\b'], ['f', '\f'], ['n', '\n'], ['r', '\r'], ['t', '\t']])

class Parser {
  private i = 0

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  document(): StrictJsonValue {
    this.space()
    const value = this.value(0)
    this.space()
    if (this.i < this.text.length) this.fail(`unexpected ${this.describeHere()} after the JSON value`)
    return value
  }

  private fail(reason: string, at = this.i): never {
    const {line, column} = position(this.text, at)
    throw new StrictJsonError(reason, at, line, column)
  }

  private describeHere(): string {
    if (this.i >= this.text.length) return 'end of text'
    const code = this.text.charCodeAt(this.i)
    if (code === 0xfeff) return 'byte-order mark'
    return code < 0x20 || code > 0x7e ? `character U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `'${this.text[this.i]}'`
  }

  private space(): void {
    const {text} = this
    let c = text.charCodeAt(this.i)
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++this.i)
  }

  private value(depth: number): StrictJsonValue {
    const c = this.text.charCodeAt(this.i)
    if (c === 0x22) return this.string()
    if (c === 0x7b) return this.object(depth + 1)
    if (c === 0x5b) return this.array(depth + 1)
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number()
    if (this.text.startsWith('true', this.i)) return (this.i += 4), true
    if (this.text.startsWith('false', this.i)) return (this.i += 5), false
    if (this.text.startsWith('null', this.i)) return (this.i += 4), null
    return this.fail(`unexpected ${this.describeHere()}; expected a JSON value`)
  }

  private object(depth: number): {[key: string]: StrictJsonValue} {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth} levels`)
    const out = Object.create(null) as {[key: string]: StrictJsonValue}
    this.i++
    this.space()
    if (this.text.charCodeAt(this.i) === 0x7d) {
      this.i++
      return out
    }
    for (;;) {
      if (this.text.charCodeAt(this.i) !== 0x22) this.fail(`unexpected ${this.describeHere()}; expected a key in double quotes`)
      const keyAt = this.i
      const key = this.string()
      if ((key.length === 9 || key.length === 11) && FORBIDDEN_JSON_KEYS.includes(key)) this.fail(`key ${JSON.stringify(key)} is not allowed (it names part of JavaScript's object model)`, keyAt)
      if (out[key] !== undefined) this.fail(`duplicate key ${JSON.stringify(key)}`, keyAt)
      this.space()
      if (this.text.charCodeAt(this.i) !== 0x3a) this.fail(`unexpected ${this.describeHere()}; expected ':'`)
      this.i++
      this.space()
      out[key] = this.value(depth)
      this.space()
      const c = this.text.charCodeAt(this.i)
      if (c !== 0x2c && c !== 0x7d) this.fail(`unexpected ${this.describeHere()}; expected ',' or '}'`)
      this.i++
      if (c === 0x7d) return out
      this.space()
    }
  }

  private array(depth: number): StrictJsonValue[] {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth} levels`)
    const out: StrictJsonValue[] = []
    this.i++
    this.space()
    if (this.text.charCodeAt(this.i) === 0x5d) {
      this.i++
      return out
    }
    for (;;) {
      out.push(this.value(depth))
      this.space()
      const c = this.text.charCodeAt(this.i)
      if (c !== 0x2c && c !== 0x5d) this.fail(`unexpected ${this.describeHere()}; expected ',' or ']'`)
      this.i++
      if (c === 0x5d) return out
      this.space()
    }
  }

  private number(): number {
    NUMBER.lastIndex = this.i
    const match = NUMBER.exec(this.text)
    if (!match || match[0].length === 0 || match[0] === '-') this.fail(`unexpected ${this.describeHere()}; expected a number`)
    const literal = match[0]
    const value = Number(literal)
    if (!Number.isFinite(value)) this.fail(`number ${literal.length > 40 ? `${literal.slice(0, 40)}…` : literal} is not finite as a double`)
    this.i += literal.length
    return value
  }

  private string(): string {
    const {text} = this
    const start = ++this.i
    let out = ''
    let runStart = start
    for (;;) {
      PLAIN.lastIndex = this.i
      PLAIN.exec(text)
      this.i = PLAIN.lastIndex
      const c = text.charCodeAt(this.i)
      if (c === 0x22) {
        const value = runStart === start ? text.slice(start, this.i) : out + text.slice(runStart, this.i)
        this.i++
        return value
      }
      if (Number.isNaN(c)) this.fail('unterminated string', start - 1)
      if (c < 0x20) this.fail(`control character U+${c.toString(16).toUpperCase().padStart(4, '0')} in a string; it must be escaped`)
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = text.charCodeAt(this.i + 1)
        if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) this.fail('lone UTF-16 surrogate in a string')
        this.i += 2
        continue
      }
      // a backslash
      out += text.slice(runStart, this.i)
      const escape = text[this.i + 1]
      if (escape === 'u') {
        const unit = this.hexUnit(this.i + 2)
        this.i += 6
        if (unit >= 0xd800 && unit <= 0xdbff) {
          const low = text.startsWith('\\u', this.i) ? this.hexUnit(this.i + 2) : -1
          if (!(low >= 0xdc00 && low <= 0xdfff)) this.fail('lone UTF-16 surrogate in a string (\\u escape)', this.i - 6)
          out += String.fromCharCode(unit, low)
          this.i += 6
        } else if (unit >= 0xdc00 && unit <= 0xdfff) {
          this.fail('lone UTF-16 surrogate in a string (\\u escape)', this.i - 6)
        } else {
          out += String.fromCharCode(unit)
        }
      } else {
        const replacement = escape === undefined ? undefined : ESCAPES.get(escape)
        if (replacement === undefined) this.fail(`invalid escape ${escape === undefined ? 'at the end of the text' : JSON.stringify(`\\${escape}`)} in a string`)
        out += replacement
        this.i += 2
      }
      runStart = this.i
    }
  }

  private hexUnit(at: number): number {
    const digits = this.text.slice(at, at + 4)
    if (!HEX4.test(digits)) this.fail(`invalid \\u escape ${JSON.stringify(`\\u${digits}`)} in a string`, at - 2)
    return Number.parseInt(digits, 16)
  }
}
