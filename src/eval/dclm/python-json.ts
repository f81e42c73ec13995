/**
 * JSON the way Python's `json` module reads and writes DCLM's eval files
 * (`json.dump(output, f, indent=4)` in eval_openlm_ckpt.py / aggregated_metrics.py): numbers are Python
 * floats written in `repr` form (`0.0`, `1e-05`), the non-standard `NaN`/`Infinity` literals appear
 * when a mean has nothing to average, and non-ASCII text is escaped (`ensure_ascii=True`).
 */

/** `repr(float)`: shortest round-trip digits; exponent form when the decimal exponent is < -4 or ≥ 16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return 'Infinity'
  if (x === -Infinity) return '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  // toExponential() without digits gives the shortest round-trip digits, as repr does.
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

/** A JSON string literal as Python writes it with `ensure_ascii=True`. */
export function pythonJsonString(text: string): string {
  let out = '"'
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
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

/**
 * `json.dumps(value, indent=indent)`: keys in insertion order, `": "` after keys, items on their own
 * lines. Every JS number is written as a Python float (DCLM's metrics are floats).
 */
export function pythonJsonDumps(value: unknown, indent = 4, level = 0): string {
  if (value === null || value === undefined) return 'null'
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
  const pad = ' '.repeat(indent * (level + 1))
  const close = ' '.repeat(indent * level)
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[\n${value.map((v) => pad + pythonJsonDumps(v, indent, level + 1)).join(',\n')}\n${close}]`
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
  if (entries.length === 0) return '{}'
  return `{\n${entries.map(([k, v]) => `${pad}${pythonJsonString(k)}: ${pythonJsonDumps(v, indent, level + 1)}`).join(',\n')}\n${close}}`
}

const SPECIAL_NUMBERS: Record<string, number> = {NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity}
const MARK = '\u0000dcbench-number:'

/**
 * `json.loads`: standard JSON plus Python's `NaN`, `Infinity` and `-Infinity` literals. Throws
 * SyntaxError (with JSON.parse's position) on anything else that is not JSON.
 */
export function parsePythonJson(text: string): unknown {
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
    for (const literal of ['-Infinity', 'Infinity', 'NaN']) {
      if (text.startsWith(literal, i)) {
        out += `${text.slice(last, i)}"\\u0000dcbench-number:${literal}"`
        i += literal.length - 1
        last = i + 1
        break
      }
    }
  }
  out += text.slice(last)
  return JSON.parse(out, (_key, value: unknown) => (typeof value === 'string' && value.startsWith(MARK) ? SPECIAL_NUMBERS[value.slice(MARK.length)] : value))
}
