/**
 * Numbers and JSON exactly as CPython writes and reads them — the one place dcbench reproduces
 * Python's formatting:
 * - `str(float)` / `repr(float)` (the same in Python 3), as DataComp's train.py and DCLM's params.py
 *   write numbers into argument lists (`f"{lr}"` → `5e-05`, `0.001`, `1.0`);
 * - `json.dumps(value)` / `json.dump(value, f, indent=4)`, as DataComp's evaluate.py writes
 *   `eval_results.jsonl` (one compact line per task) and DCLM writes its eval JSON (indent 4): floats
 *   in repr form, the non-standard `NaN`/`Infinity` literals, non-ASCII escaped (`ensure_ascii=True`);
 * - `json.loads`: standard JSON plus those literals.
 */

/** A Python int (written without a decimal point). Plain JS numbers are written as Python floats. */
export class PyInt {
  constructor(readonly value: number) {
    if (!Number.isSafeInteger(value)) throw new TypeError(`PyInt needs a safe integer, got ${value}`)
  }
}

/** A value `pythonJsonDumps` writes; every plain number is a Python float, a `PyInt` an int. */
export type PyJsonValue = null | boolean | number | string | PyInt | PyJsonValue[] | {[key: string]: PyJsonValue}

/**
 * The digits Python's `repr(float)` gives a finite number: the shortest that round-trip (JavaScript's
 * `toExponential()` finds the same), in fixed notation when the decimal exponent is in [-4, 16),
 * otherwise `d.ddde±XX`; integral values keep `.0`.
 */
function finiteRepr(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string]
  const exponent = Number(expText)
  const digits = mantissa.replace('.', '')
  const sign = x < 0 ? '-' : ''
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`
    const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0')
    const fraction = digits.slice(exponent + 1)
    return `${sign}${whole}.${fraction === '' ? '0' : fraction}`
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
  return `${sign}${m}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`
}

/** Python's `str(x)` (= `repr(x)`) of a float: `5e-05`, `0.001`, `1.0`, `nan`, `inf`. */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan'
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf'
  return finiteRepr(x)
}

/** Python's `str()` of a value that is an int in the upstream config (JSON integer) or a float. */
export function pythonNumber(value: number, kind: 'int' | 'float'): string {
  if (kind === 'int') {
    if (!Number.isInteger(value)) throw new Error(`expected an integer, got ${value}`)
    return String(value)
  }
  return pythonFloat(value)
}

/** A float as Python's `json` module writes it: repr digits, or `NaN`, `Infinity`, `-Infinity`. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity'
  return finiteRepr(x)
}

/** A JSON string literal as Python writes it with `ensure_ascii=True`. */
export function pythonJsonString(text: string): string {
  let out = '"'
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string
    const code = text.charCodeAt(i)
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\b') out += '\\b'
    else if (ch === '\f') out += '\\f'
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += ch
  }
  return `${out}"`
}

export interface PythonJsonDumpsOptions {
  /** `indent=N`: items on their own lines (DCLM's eval JSON uses 4). Default: none, one line with `", "` and `": "`. */
  indent?: number
}

/**
 * `json.dumps(value)` with Python's defaults (keys in insertion order, not sorted), or with
 * `indent`. Every JS number is a Python float; `PyInt` is an int; `undefined` members are left out.
 */
export function pythonJsonDumps(value: unknown, options: PythonJsonDumpsOptions = {}): string {
  return dumps(value, options.indent, 0)
}

function dumps(value: unknown, indent: number | undefined, level: number): string {
  if (value === null || value === undefined) return 'null'
  if (value instanceof PyInt) return String(value.value)
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      return pythonFloatRepr(value)
    case 'string':
      return pythonJsonString(value)
    case 'object':
      break
    default:
      throw new TypeError(`cannot write a ${typeof value} as JSON`)
  }
  const items: string[] = Array.isArray(value)
    ? value.map((v) => dumps(v, indent, level + 1))
    : Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${pythonJsonString(k)}: ${dumps(v, indent, level + 1)}`)
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}']
  if (items.length === 0) return `${open}${close}`
  if (indent === undefined) return `${open}${items.join(', ')}${close}`
  const pad = ' '.repeat(indent * (level + 1))
  return `${open}\n${items.map((item) => pad + item).join(',\n')}\n${' '.repeat(indent * level)}${close}`
}

const NON_FINITE: Record<string, number> = {NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY}
const MARK = '\u0000dcbench-number:'

/**
 * `json.loads`: one JSON text that may hold Python's `NaN`, `Infinity` and `-Infinity` literals
 * (which `json.dumps` writes and `JSON.parse` refuses). Throws SyntaxError like JSON.parse.
 */
export function parsePythonJson(text: string): unknown {
  // Replace the bare literals outside strings by marked strings, then revive them.
  let out = ''
  let last = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (inString) {
      if (ch === '\\') i++
      else if (ch === '"') inString = false
      continue
    }
    if (ch === '"') {
      inString = true
      continue
    }
    const literal = ch === '-' || ch === 'I' || ch === 'N' ? ['-Infinity', 'Infinity', 'NaN'].find((name) => text.startsWith(name, i)) : undefined
    if (literal) {
      out += `${text.slice(last, i)}${JSON.stringify(MARK + literal)}`
      i += literal.length - 1
      last = i + 1
    }
  }
  out += text.slice(last)
  return JSON.parse(out, (_key, value: unknown) => (typeof value === 'string' && value.startsWith(MARK) ? NON_FINITE[value.slice(MARK.length)] : value))
}
