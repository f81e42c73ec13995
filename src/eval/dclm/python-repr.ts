/**
 * Python's `repr` of strings and lists of strings, as DCLM writes them into eval JSONs
 * (`"missing tasks": str([...])`, `"N/A due to missing tasks: " + str([...])`).
 */

/** `repr(s)` for a Python 3 str: single quotes unless the text holds a ' and no ". */
export function pythonStrRepr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'"
  let out = quote
  for (const ch of value) {
    const code = ch.codePointAt(0)!
    if (ch === quote || ch === '\\') out += `\\${ch}`
    else if (ch === '\t') out += '\\t'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`
    else if (code > 0x7f && !isPrintable(ch)) {
      out += code <= 0xff ? `\\x${hex(code, 2)}` : code <= 0xffff ? `\\u${hex(code, 4)}` : `\\U${hex(code, 8)}`
    } else out += ch
  }
  return out + quote
}

/** `str(list_of_str)`: `['a', 'b']`, `[]` when empty. */
export function pythonListRepr(values: readonly string[]): string {
  return `[${values.map(pythonStrRepr).join(', ')}]`
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0')
}

// Python's str.isprintable(): false for categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs other than ' '.
function isPrintable(ch: string): boolean {
  return !/^[\p{C}\p{Z}]$/u.test(ch)
}
