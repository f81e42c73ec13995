import {DcbError} from '../errors.js'

/**
 * The NumPy `.npy` format as DataComp subsets use it (datacomp spec §2.3): a 1-D structured array of
 * dtype `u8,u8` (`[('f0', '<u8'), ('f1', '<u8')]`), C order. The header is parsed properly —
 * versions 1.0, 2.0 and 3.0, the Python-literal dict with `descr`, `fortran_order` and `shape` — and
 * never assumed to have a fixed length. Writing produces exactly the bytes of numpy's `np.save`.
 */

export const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]) // \x93NUMPY

/** What the header of a `.npy` file says. */
export interface NpyHeader {
  /** [major, minor]: 1.0, 2.0 or 3.0. */
  version: [number, number]
  /** The `descr` value as parsed (a string or a list of field tuples). */
  descr: PyValue
  fortranOrder: boolean
  shape: number[]
  /** Byte offset where the data starts. */
  dataOffset: number
}

/**
 * A parsed Python literal. Python ints become numbers and floats `PyFloat`s, so `(500.0,)` is not
 * read as the shape `(500,)` (numpy refuses a float in a shape); tuples and lists become arrays, and
 * `isPyTuple` tells them apart.
 */
export type PyValue = string | number | boolean | null | PyFloat | PyValue[] | {[key: string]: PyValue}

/** A Python float literal: its value and how it was written. */
export class PyFloat {
  constructor(
    readonly value: number,
    readonly literal: string,
  ) {}
}

const tuples = new WeakSet<PyValue[]>()

/** Whether an array was a Python tuple (`(…)`) rather than a list (`[…]`). */
export function isPyTuple(value: PyValue): boolean {
  return Array.isArray(value) && tuples.has(value)
}

/** A parsed literal written back as Python's repr would: `(3.0,)`, `[('f0', '<u8')]`, `True`. */
export function formatPyValue(value: PyValue): string {
  if (value === null) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (value instanceof PyFloat) return value.literal
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  if (Array.isArray(value)) {
    const items = value.map(formatPyValue)
    return isPyTuple(value) ? `(${items.join(', ')}${items.length === 1 ? ',' : ''})` : `[${items.join(', ')}]`
  }
  return `{${Object.entries(value).map(([k, v]) => `'${k}': ${formatPyValue(v)}`).join(', ')}}`
}

/** How a problem in a subset file is reported: exit 2, naming the file (and offset). */
function unusable(file: string, problem: string): DcbError {
  return new DcbError('DCB_SUBSET_FORMAT', `subset ${file}: ${problem}`)
}

/**
 * Parses and checks an npy header from the first bytes of a file (at least the whole header;
 * `fileSize` is the whole file's size). Throws a one-line DcbError (exit 2) for anything numpy
 * would not load; `fail` words it (default: a subset file's DCB_SUBSET_FORMAT, as other readers of
 * npy data — embedding arrays in an `.npz` — pass their own).
 */
export function parseNpyHeader(file: string, head: Uint8Array, fileSize: number, fail: (file: string, problem: string) => DcbError = unusable): NpyHeader {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength)
  if (bytes.length < 6 || !bytes.subarray(0, 6).equals(NPY_MAGIC)) throw fail(file, 'not an npy file (no \\x93NUMPY magic)')
  if (bytes.length < 10) throw fail(file, `truncated npy header: ${fileSize} bytes`)
  const major = bytes[6] as number
  const minor = bytes[7] as number
  if (![1, 2, 3].includes(major) || minor !== 0) throw fail(file, `npy format version ${major}.${minor}; expected 1.0, 2.0 or 3.0`)
  const lengthBytes = major === 1 ? 2 : 4
  if (bytes.length < 8 + lengthBytes) throw fail(file, `truncated npy header: ${fileSize} bytes`)
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8)
  const dataOffset = 8 + lengthBytes + headerLength
  if (dataOffset > fileSize) throw fail(file, `truncated npy header: it declares ${headerLength} bytes of header but the file has ${fileSize} bytes`)
  if (dataOffset > bytes.length) throw new RangeError(`need ${dataOffset} header bytes`)
  const text = bytes.subarray(8 + lengthBytes, dataOffset).toString(major === 3 ? 'utf8' : 'latin1')
  let dict: PyValue
  try {
    dict = parsePythonLiteral(text)
  } catch (error) {
    throw fail(file, `npy header is not a Python dict literal (${(error as Error).message}): ${JSON.stringify(text.trim().slice(0, 80))}`)
  }
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) throw fail(file, `npy header is not a dict: ${JSON.stringify(text.trim().slice(0, 80))}`)
  const keys = Object.keys(dict).sort()
  if (keys.join(',') !== 'descr,fortran_order,shape') throw fail(file, `npy header keys are ${keys.map((k) => `'${k}'`).join(', ')}; expected 'descr', 'fortran_order', 'shape'`)
  const {descr, fortran_order: fortranOrder, shape} = dict as {descr: PyValue; fortran_order: PyValue; shape: PyValue}
  if (typeof fortranOrder !== 'boolean') throw fail(file, `npy header fortran_order is ${JSON.stringify(fortranOrder)}; expected True or False`)
  // numpy: `isinstance(d['shape'], tuple) and all(isinstance(x, int) for x in d['shape'])`
  if (!isPyTuple(shape) || !(shape as PyValue[]).every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw fail(file, `npy header shape ${formatPyValue(shape)} is not a tuple of non-negative integers`)
  }
  return {version: [major, minor], descr, fortranOrder, shape: shape as number[], dataOffset}
}

/**
 * Checks that a parsed header is a DataComp uid array: dtype exactly `[('f0', '<u8'), ('f1', '<u8')]`
 * (the resharder asserts `dtype == np.dtype("u8,u8")`), C order, 1-D, and that the file holds
 * exactly 16·N data bytes. Returns N.
 */
export function checkUidArrayHeader(file: string, header: NpyHeader, fileSize: number): number {
  const problem = describeDtypeProblem(header.descr)
  if (problem) throw unusable(file, `dtype ${formatDescr(header.descr)}: ${problem}; expected [('f0', '<u8'), ('f1', '<u8')] (np.dtype("u8,u8"))`)
  if (header.fortranOrder) throw unusable(file, "fortran_order is True; expected False (C order, as np.save writes a 1-D array)")
  if (header.shape.length !== 1) throw unusable(file, `shape (${header.shape.join(', ')}${header.shape.length === 1 ? ',' : ''}) is ${header.shape.length}-D; expected a 1-D array (N,)`)
  const count = header.shape[0] as number
  const expected = header.dataOffset + count * 16
  if (fileSize < expected) throw unusable(file, `truncated: the header declares ${count} uids (${expected} bytes) but the file has ${fileSize} bytes`)
  if (fileSize > expected) throw unusable(file, `${fileSize - expected} bytes after the ${count} uids the header declares (shape (${count},)); the header does not match the data`)
  return count
}

function describeDtypeProblem(descr: PyValue): string | undefined {
  if (typeof descr === 'string') {
    if (descr === 'O' || descr === '|O') return 'an object array (pickled Python objects)'
    if (/^[<>=|]?[ui]8$/.test(descr)) return 'a plain 64-bit integer array, not the two-field structured dtype (a (N, 2) uint64 array must be viewed as u8,u8)'
    if (/^\|?V\d+$/.test(descr)) return 'raw void records, not the two named uint64 fields'
    return 'not the two-field structured dtype'
  }
  if (!Array.isArray(descr)) return 'not a dtype description'
  if (descr.length !== 2) return `${descr.length} fields`
  for (const [i, field] of descr.entries()) {
    if (!Array.isArray(field) || field.length !== 2 || typeof field[0] !== 'string' || typeof field[1] !== 'string') {
      return `field ${i} is ${JSON.stringify(field)}, not a (name, type) pair`
    }
    const [name, type] = field as [string, string]
    if (name !== `f${i}`) return `field ${i} is named '${name}', not 'f${i}'`
    if (type === '>u8') return `field '${name}' is big-endian (>u8)`
    if (type === 'O' || type === '|O') return `field '${name}' is an object field`
    if (type !== '<u8') return `field '${name}' has type '${type}', not little-endian uint64 ('<u8')`
  }
  return undefined
}

function formatDescr(descr: PyValue): string {
  if (typeof descr === 'string') return `'${descr}'`
  if (Array.isArray(descr)) return `[${descr.map((f) => (Array.isArray(f) ? `(${f.map((x) => (typeof x === 'string' ? `'${x}'` : JSON.stringify(x))).join(', ')})` : JSON.stringify(f))).join(', ')}]`
  return JSON.stringify(descr)
}

/** numpy's `GROWTH_AXIS_MAX_DIGITS` and `ARRAY_ALIGN` (numpy/lib/format.py, numpy ≥ 1.24). */
const GROWTH_AXIS_MAX_DIGITS = 21
const ARRAY_ALIGN = 64

/**
 * The header bytes `np.save` writes for a `u8,u8` array of `count` records: version 1.0, the dict in
 * sorted-key repr form, spare spaces for the shape to grow, padding to a 64-byte boundary, '\n'.
 */
export function uidNpyHeader(count: number): Buffer {
  const shape = `(${count},)`
  let dict = `{'descr': [('f0', '<u8'), ('f1', '<u8')], 'fortran_order': False, 'shape': ${shape}, }`
  dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(count).length))
  const hlen = dict.length + 1
  const padlen = ARRAY_ALIGN - ((6 + 2 + 2 + hlen) % ARRAY_ALIGN)
  const out = Buffer.alloc(10 + hlen + padlen)
  NPY_MAGIC.copy(out, 0)
  out[6] = 1
  out[7] = 0
  out.writeUInt16LE(hlen + padlen, 8)
  out.write(dict, 10, 'latin1')
  out.fill(' ', 10 + dict.length, 10 + dict.length + padlen)
  out[out.length - 1] = 0x0a
  return out
}

// -------------------------------------------------------------------------------------------------
// A small parser for the Python literals npy headers hold (what numpy's safe_eval accepts here).

/** Parses a Python literal: dict, list, tuple, str, int, float, True/False/None. */
export function parsePythonLiteral(text: string): PyValue {
  let i = 0
  const skip = (): void => {
    while (i < text.length && /\s/.test(text[i] as string)) i++
  }
  const expect = (ch: string): void => {
    skip()
    if (text[i] !== ch) throw new Error(`expected '${ch}' at character ${i}`)
    i++
  }
  const value = (): PyValue => {
    skip()
    const ch = text[i]
    if (ch === '{') {
      i++
      const out: Record<string, PyValue> = {}
      for (;;) {
        skip()
        if (text[i] === '}') {
          i++
          return out
        }
        const key = value()
        if (typeof key !== 'string') throw new Error(`dict key at character ${i} is not a string`)
        expect(':')
        out[key] = value()
        skip()
        if (text[i] === ',') i++
        else if (text[i] !== '}') throw new Error(`expected ',' or '}' at character ${i}`)
      }
    }
    if (ch === '[' || ch === '(') {
      const close = ch === '[' ? ']' : ')'
      i++
      const out: PyValue[] = []
      if (ch === '(') tuples.add(out)
      let comma = false
      for (;;) {
        skip()
        if (text[i] === close) {
          i++
          // `(x)` without a comma is x in parentheses, not a tuple
          return ch === '(' && out.length === 1 && !comma ? (out[0] as PyValue) : out
        }
        out.push(value())
        skip()
        comma = text[i] === ','
        if (comma) i++
        else if (text[i] !== close) throw new Error(`expected ',' or '${close}' at character ${i}`)
      }
    }
    if (ch === "'" || ch === '"') {
      i++
      let out = ''
      while (i < text.length && text[i] !== ch) {
        if (text[i] === '\\') {
          i++
          const esc = text[i]
          out += esc === 'n' ? '\n' : esc === 't' ? '\t' : (esc ?? '')
        } else {
          out += text[i]
        }
        i++
      }
      if (i >= text.length) throw new Error('unterminated string')
      i++
      return out
    }
    const word = /^(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?L?|True|False|None)/.exec(text.slice(i))
    if (!word) throw new Error(`unexpected ${ch === undefined ? 'end' : `'${ch}'`} at character ${i}`)
    i += (word[1] as string).length
    const w = word[1] as string
    if (w === 'True') return true
    if (w === 'False') return false
    if (w === 'None') return null
    if (/[.eE]/.test(w)) return new PyFloat(Number(w), w)
    return Number(w.replace(/L$/, ''))
  }
  const result = value()
  skip()
  if (i !== text.length) throw new Error(`trailing text at character ${i}`)
  return result
}
