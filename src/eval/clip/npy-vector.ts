import {DcbError} from '../../errors.js'

const READERS: Record<string, {size: number; read: (view: DataView, offset: number) => number}> = {
  '<i8': {size: 8, read: (v, o) => Number(v.getBigInt64(o, true))},
  '<u8': {size: 8, read: (v, o) => Number(v.getBigUint64(o, true))},
  '<i4': {size: 4, read: (v, o) => v.getInt32(o, true)},
  '<u4': {size: 4, read: (v, o) => v.getUint32(o, true)},
  '<i2': {size: 2, read: (v, o) => v.getInt16(o, true)},
  '<u2': {size: 2, read: (v, o) => v.getUint16(o, true)},
  '|i1': {size: 1, read: (v, o) => v.getInt8(o)},
  '|u1': {size: 1, read: (v, o) => v.getUint8(o)},
  '<f8': {size: 8, read: (v, o) => v.getFloat64(o, true)},
  '<f4': {size: 4, read: (v, o) => v.getFloat32(o, true)},
}

/**
 * Reads a small numeric `.npy` (versions 1–3, C order, little-endian): the per-sample metadata
 * vector of WILDS/fairness eval tars. Values come back as numbers, flattened.
 */
export function readNpyVector(bytes: Uint8Array, where: string): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < 10 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY' || bytes[0] !== 0x93) {
    throw new DcbError('DCB_EVAL_DATA', `${where}: not an .npy member (bad magic)`)
  }
  const major = bytes[6] as number
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true)
  const start = major === 1 ? 10 : 12
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen))
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1]
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1]
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1]
  const reader = descr ? READERS[descr] : undefined
  if (!reader || fortran === undefined || shapeText === undefined) {
    throw new DcbError('DCB_EVAL_DATA', `${where}: unsupported .npy header ${header.trim()}; expected a little-endian numeric array`)
  }
  const count = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .reduce((a, s) => a * Number(s), 1)
  const dataStart = start + headerLen
  if (bytes.length < dataStart + count * reader.size) throw new DcbError('DCB_EVAL_DATA', `${where}: .npy shorter than its header says`)
  return Array.from({length: count}, (_, i) => reader.read(view, dataStart + i * reader.size))
}
