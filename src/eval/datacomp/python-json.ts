/**
 * JSON as Python's `json.dumps` writes it with default arguments — the format of DataComp's
 * `eval_results.jsonl` (evaluate.py writes `json.dumps(row)` per line): `", "` and `": "` separators,
 * floats in `repr` form (`1.0`, `1e-05`, `NaN`, `Infinity`), non-ASCII escaped as `\uXXXX`.
 */

/** A float marker: numbers in metrics are Python floats even when integral (`5.0`, not `5`). */
export type PyJsonValue = null | boolean | number | string | PyInt | PyJsonValue[] | {[key: string]: PyJsonValue}

/** A Python int (written without a decimal point). Plain JS numbers are written as Python floats. */
export class PyInt {
  constructor(readonly value: number) {
    if (!Number.isSafeInteger(value)) throw new TypeError(`PyInt needs a safe integer, got ${value}`)
  }
}

/** `repr(float)` of Python 3: shortest round-trip digits, fixed notation for 1e-4 ≤ |x| < 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return 'Infinity'
  if (x === -Infinity) return '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  // toExponential() without an argument gives the shortest digits that round-trip, like repr.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string]
  const exponent = Number(expText)
  const digits = mantissa.replace('.', '')
  const sign = x < 0 ? '-' : ''
  // Python's repr switches to exponent notation when the decimal exponent is < -4 or >= 16.
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`
    const intPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0')
    const fracPart = digits.slice(exponent + 1)
    return `${sign}${intPart}.${fracPart === '' ? '0' : fracPart}`
  }
  return formatExponent(sign, digits, exponent)
}

function formatExponent(sign: string, digits: string, exponent: number): string {
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
  const expSign = exponent < 0 ? '-' : '+'
  return `${sign}${mantissa}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`
}

/** A JSON string literal with `ensure_ascii=True` escaping. */
export function pythonJsonString(text: string): string {
  let out = '"'
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    const ch = text[i] as string
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

/** `json.dumps(value)` with Python's defaults (insertion order kept, no sorting). */
export function pythonJsonDumps(value: PyJsonValue): string {
  if (value === null) return 'null'
  if (value instanceof PyInt) return String(value.value)
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      return pythonFloatRepr(value)
    case 'string':
      return pythonJsonString(value)
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`
  return `{${Object.entries(value)
    .map(([k, v]) => `${pythonJsonString(k)}: ${pythonJsonDumps(v)}`)
    .join(', ')}}`
}

const NON_FINITE: Record<string, number> = {NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY}

/**
 * Parses one JSON text that may hold Python's `NaN`, `Infinity` and `-Infinity` literals (which
 * `json.dumps` writes and `JSON.parse` refuses). Throws SyntaxError like JSON.parse.
 */
export function parsePythonJson(text: string): unknown {
  // Replace the bare literals outside strings by unique string markers, then revive them.
  const marker = '\u0000pyjson:'
  let out = ''
  let i = 0
  while (i < text.length) {
    const ch = text[i] as string
    if (ch === '"') {
      let j = i + 1
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      out += text.slice(i, j + 1)
      i = j + 1
      continue
    }
    const literal = ['-Infinity', 'Infinity', 'NaN'].find((name) => text.startsWith(name, i))
    if (literal) {
      out += JSON.stringify(marker + literal)
      i += literal.length
      continue
    }
    out += ch
    i++
  }
  return JSON.parse(out, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(marker) ? NON_FINITE[value.slice(marker.length)] : value,
  )
}
