import {createReadStream, createWriteStream} from 'node:fs'
import {PassThrough} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import yazl from 'yazl'

import {uidNpyHeader} from '../subset/npy.js'

/**
 * Writing embedding `.npz` files in the layout src/pool/npz.ts reads (np.savez: a zip of stored
 * `.npy` members). Members are stored, not deflated, with a fixed timestamp, so the same rows give
 * the same bytes; a member's data is streamed from a file, so an array of any size is written with
 * memory bounded by the stream's buffers.
 */

/** The timestamp every member carries (np.savez writes the current time; a fixed one keeps files reproducible). */
const MEMBER_TIME = new Date('2023-04-01T00:00:00Z')

/** An npy 1.0 header for a C-order `<f2` array of shape (rows, dim), padded to 64 bytes as numpy pads. */
export function npyFloat16Header(rows: number, dim: number): Buffer {
  // the subset writer's header, with this dtype and shape: same magic, padding and alignment rules
  const template = uidNpyHeader(0).toString('latin1')
  const dict = `{'descr': '<f2', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`
  const prefix = template.slice(0, 10)
  let body = dict
  while ((prefix.length + body.length + 1) % 64 !== 0) body += ' '
  const header = Buffer.from(`${prefix}${body}\n`, 'latin1')
  header.writeUInt16LE(body.length + 1, 8)
  return header
}

const F32 = new Float32Array(1)
const U32 = new Uint32Array(F32.buffer)

/** float → IEEE binary16 bits, round to nearest even (as numpy's astype(float16)). */
export function toHalf(value: number): number {
  F32[0] = value
  const x = U32[0] as number
  const sign = (x >>> 16) & 0x8000
  const exp = (x >>> 23) & 0xff
  let mant = x & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0)
  const e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    mant |= 0x800000
    const shift = 14 - e
    const half = 1 << (shift - 1)
    let out = mant >>> shift
    const rest = mant & ((1 << shift) - 1)
    if (rest > half || (rest === half && out & 1)) out++
    return sign | out
  }
  let out = (e << 10) | (mant >>> 13)
  const rest = mant & 0x1fff
  if (rest > 0x1000 || (rest === 0x1000 && out & 1)) out++
  return sign | out
}

/** float32 rows → their float16 bits, little-endian bytes (what an `<f2` array stores). */
export function float16Bytes(values: Float32Array): Buffer {
  const out = Buffer.alloc(values.length * 2)
  for (let i = 0; i < values.length; i++) out.writeUInt16LE(toHalf(values[i] as number), 2 * i)
  return out
}

/**
 * Writes `file`, an npz with one float16 array `name` of shape (rows, dim) whose data (rows·dim·2
 * bytes, row-major) is the file `dataFile`. The caller writes to a temp path and renames.
 */
export async function writeFloat16Npz(file: string, name: string, rows: number, dim: number, dataFile: string): Promise<void> {
  const zip = new yazl.ZipFile()
  const header = npyFloat16Header(rows, dim)
  const size = header.length + rows * dim * 2
  // yazl needs the size up front to write a stored member from a stream
  const member = new PassThrough()
  member.write(header)
  if (rows * dim === 0) member.end()
  else {
    const data = createReadStream(dataFile, {start: 0, end: rows * dim * 2 - 1})
    data.on('error', (error) => member.destroy(error))
    data.pipe(member)
  }
  zip.addReadStream(member, `${name}.npy`, {compress: false, mtime: MEMBER_TIME, mode: 0o100644, size})
  zip.end()
  await pipeline(zip.outputStream, createWriteStream(file))
}
