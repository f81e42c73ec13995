import {open as openFile} from 'node:fs/promises'
import type {Readable} from 'node:stream'

import yauzl, {type Entry, type ZipFile} from 'yauzl'

import {DcbError} from '../errors.js'
import {formatPyValue, parseNpyHeader, type PyValue} from '../subset/npy.js'

/**
 * Embedding arrays in NumPy's `.npz` layout (a zip of `.npy` members, as `np.savez` and
 * `np.savez_compressed` write them): DataComp's released per-parquet features (`<stem>.npz` next to
 * `<stem>.parquet`, arrays `b32_img`, `b32_txt`, `l14_img`, `l14_txt`, float16 or float32, one row
 * per parquet row; datacomp spec §2.2).
 *
 * yauzl (already dcbench's zip reader for the eval archives) reads the central directory only and
 * inflates one member as a stream, so an array of any size is read in row batches with memory
 * bounded by the batch; it refuses `..` and absolute member names and checks each member's inflated
 * size against the directory. The `.npy` header is parsed by the one npy reader (src/subset/npy.ts).
 */

/** A float matrix in an npz: its shape and element type. */
export interface NpzMatrixInfo {
  rows: number
  dim: number
  dtype: 'f2' | 'f4' | 'f8'
}

export interface NpzReader {
  file: string
  /** Array names (member names without `.npy`). */
  arrays(): string[]
  /** The shape and dtype of a 2-D float array; one clear line when it is missing or not one. */
  matrix(name: string): Promise<NpzMatrixInfo>
  /** The rows of a 2-D float array as float32, `batchRows` at a time (the last batch may be shorter). */
  batches(name: string, batchRows: number): AsyncGenerator<Float32Array>
  close(): void
}

/** Most members an npz may list: DataComp's have five. */
const MAX_MEMBERS = 1024
/** An npy header is at most 64 KiB + 12 bytes (format 2.0 allows more; numpy never writes it). */
const MAX_HEADER_BYTES = 1 << 20

/** A bad embedding file: exit 2, naming the file. */
export function embeddingsError(file: string, problem: string): DcbError {
  return new DcbError('DCB_EMBEDDINGS', `embeddings ${file}: ${problem}`, {suggestions: ["write the embeddings again, or re-download the pool's .npz files (one <stem>.npz beside each <stem>.parquet)"]})
}

/** Opens an npz and lists its members (only the zip's central directory is read). */
export async function openNpz(file: string): Promise<NpzReader> {
  let zip: ZipFile
  try {
    zip = await yauzl.openPromise(file, {lazyEntries: true, autoClose: false, strictFileNames: true})
  } catch (error) {
    throw embeddingsError(file, `not a readable .npz (zip) file (${(error as Error).message.split('\n')[0]})`)
  }
  if (zip.entryCount > MAX_MEMBERS) {
    zip.close()
    throw embeddingsError(file, `${zip.entryCount} members, more than the ${MAX_MEMBERS} an embedding file may have`)
  }
  const entries = new Map<string, Entry>()
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: Entry) => {
        if (entry.fileName.endsWith('.npy')) entries.set(entry.fileName.slice(0, -4), entry)
        zip.readEntry()
      })
      zip.on('end', () => resolve())
      zip.on('error', (error: Error) => reject(error))
      zip.readEntry()
    })
  } catch (error) {
    zip.close()
    throw embeddingsError(file, `not a readable .npz (zip) file (${(error as Error).message.split('\n')[0]})`)
  }
  const infos = new Map<string, NpzMatrixInfo & {dataOffset: number}>()

  const entryOf = (name: string): Entry => {
    const entry = entries.get(name)
    if (!entry) throw embeddingsError(file, `no array '${name}' (it has ${[...entries.keys()].map((k) => `'${k}'`).join(', ') || 'none'})`)
    if (entry.isEncrypted()) throw embeddingsError(file, `array '${name}' is encrypted`)
    return entry
  }
  const open = async (entry: Entry): Promise<Readable> => {
    try {
      return await zip.openReadStreamPromise(entry)
    } catch (error) {
      throw embeddingsError(file, `member ${entry.fileName} cannot be read (${(error as Error).message})`)
    }
  }
  /** Reads the header off the front of a member's stream; returns what is left of the chunk it ended in. */
  const readHeader = async (name: string, stream: Readable): Promise<{info: NpzMatrixInfo & {dataOffset: number}; rest: Buffer; iterator: AsyncIterator<Buffer>}> => {
    const entry = entryOf(name)
    const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>
    let head = Buffer.alloc(0)
    for (;;) {
      try {
        const header = parseNpyHeader(`${file}:${name}`, head, entry.uncompressedSize, embeddingsError)
        const info = {...checkMatrix(file, name, header.descr, header.fortranOrder, header.shape), dataOffset: header.dataOffset}
        const itemSize = {f2: 2, f4: 4, f8: 8}[info.dtype]
        const expected = header.dataOffset + info.rows * info.dim * itemSize
        if (entry.uncompressedSize !== expected) {
          throw embeddingsError(file, `array '${name}' has ${entry.uncompressedSize - header.dataOffset} data bytes, but its header declares shape (${info.rows}, ${info.dim}) of ${itemSize}-byte floats (${expected - header.dataOffset} bytes)`)
        }
        return {info, rest: head.subarray(header.dataOffset), iterator}
      } catch (error) {
        if (!(error instanceof RangeError) && !(error instanceof DcbError && head.length < 10 + 4 && entry.uncompressedSize > head.length)) throw error
      }
      if (head.length > MAX_HEADER_BYTES) throw embeddingsError(file, `array '${name}' has an npy header longer than ${MAX_HEADER_BYTES} bytes`)
      const next = await iterator.next()
      if (next.done) throw embeddingsError(file, `array '${name}' ends inside its npy header (${head.length} bytes)`)
      head = Buffer.concat([head, next.value])
    }
  }

  return {
    file,
    arrays: () => [...entries.keys()],
    async matrix(name) {
      const known = infos.get(name)
      if (known) return {rows: known.rows, dim: known.dim, dtype: known.dtype}
      const stream = await open(entryOf(name))
      try {
        const {info} = await readHeader(name, stream)
        infos.set(name, info)
        return {rows: info.rows, dim: info.dim, dtype: info.dtype}
      } finally {
        stream.destroy()
      }
    },
    async *batches(name, batchRows) {
      const stream = await open(entryOf(name))
      try {
        const {info, rest, iterator} = await readHeader(name, stream)
        const itemSize = {f2: 2, f4: 4, f8: 8}[info.dtype]
        const rowBytes = info.dim * itemSize
        const batchBytes = Math.max(1, batchRows) * rowBytes
        // chunks are gathered and joined once per batch (joining per chunk would copy each batch ~50 times)
        let chunks: Buffer[] = rest.length ? [rest] : []
        let have = rest.length
        let rowsLeft = info.rows
        while (rowsLeft > 0) {
          const want = Math.min(batchBytes, rowsLeft * rowBytes)
          while (have < want) {
            const next = await iterator.next()
            if (next.done) throw embeddingsError(file, `array '${name}' ends after ${info.rows - rowsLeft + Math.floor(have / rowBytes)} of its ${info.rows} rows`)
            chunks.push(next.value)
            have += next.value.length
          }
          const joined = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, have)
          yield decodeFloats(joined.subarray(0, want), info.dtype)
          const left = joined.subarray(want)
          chunks = left.length ? [left] : []
          have = left.length
          rowsLeft -= want / rowBytes
        }
      } catch (error) {
        if (error instanceof DcbError) throw error
        throw embeddingsError(file, `array '${name}' cannot be read (${(error as Error).message.split('\n')[0]})`)
      } finally {
        stream.destroy()
      }
    },
    close: () => zip.close(),
  }
}

/** A whole 2-D float `.npy` (centroids, target embeddings) as float32 rows; `fail` words a problem. */
export async function readNpyMatrix(file: string, fail: (file: string, problem: string) => DcbError): Promise<NpzMatrixInfo & {data: Float32Array}> {
  const handle = await openFile(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw fail(file, error.code === 'ENOENT' ? 'no such file' : `cannot be read (${error.code ?? error.message})`)
  })
  try {
    const {size} = await handle.stat()
    const head = Buffer.alloc(Math.min(size, 65_536 + 12))
    await handle.read(head, 0, head.length, 0)
    let header
    try {
      header = parseNpyHeader(file, head, size, fail)
    } catch (error) {
      if (error instanceof RangeError) throw fail(file, 'npy header longer than 64 KiB')
      throw error
    }
    let info: NpzMatrixInfo
    try {
      info = checkMatrix(file, 'array', header.descr, header.fortranOrder, header.shape)
    } catch (error) {
      throw fail(file, (error as Error).message.replace(/^embeddings [^:]*: array 'array' /, ''))
    }
    const bytes = info.rows * info.dim * {f2: 2, f4: 4, f8: 8}[info.dtype]
    if (size !== header.dataOffset + bytes) throw fail(file, `${size - header.dataOffset} data bytes, but the header declares shape (${info.rows}, ${info.dim}) (${bytes} bytes)`)
    const data = Buffer.alloc(bytes)
    await handle.read(data, 0, bytes, header.dataOffset)
    return {...info, data: decodeFloats(data, info.dtype)}
  } finally {
    await handle.close()
  }
}

function checkMatrix(file: string, name: string, descr: unknown, fortranOrder: boolean, shape: number[]): NpzMatrixInfo {
  const dtype = typeof descr === 'string' ? /^<(f[248])$/.exec(descr)?.[1] : undefined
  if (!dtype) throw embeddingsError(file, `array '${name}' has dtype ${formatPyValue(descr as PyValue)}; expected little-endian float16, float32 or float64 ('<f2', '<f4', '<f8')`)
  if (fortranOrder) throw embeddingsError(file, `array '${name}' is in Fortran order; expected C order`)
  if (shape.length !== 2) throw embeddingsError(file, `array '${name}' has shape (${shape.join(', ')}${shape.length === 1 ? ',' : ''}); expected 2-D (rows, dim)`)
  return {rows: shape[0] as number, dim: shape[1] as number, dtype: dtype as NpzMatrixInfo['dtype']}
}

/** Little-endian floats of any of the three widths, as float32 (float16 exactly; float64 rounded). */
function decodeFloats(bytes: Buffer, dtype: NpzMatrixInfo['dtype']): Float32Array {
  if (dtype === 'f4') {
    const out = new Float32Array(bytes.length / 4)
    new Uint8Array(out.buffer).set(bytes)
    return out
  }
  if (dtype === 'f8') {
    const doubles = new Float64Array(bytes.length / 8)
    new Uint8Array(doubles.buffer).set(bytes)
    return Float32Array.from(doubles)
  }
  const out = new Float32Array(bytes.length / 2)
  const table = (HALF_TABLE ??= Float32Array.from({length: 65_536}, (_, h) => halfToFloat(h)))
  for (let i = 0; i < out.length; i++) out[i] = table[(bytes[2 * i] as number) | ((bytes[2 * i + 1] as number) << 8)] as number
  return out
}

/** Every float16 bit pattern's value (256 KiB), built on first use: decoding is then one lookup. */
let HALF_TABLE: Float32Array | undefined

/** IEEE 754 binary16 → number (exact: every half is a float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exponent = (h >> 10) & 0x1f
  const fraction = h & 0x3ff
  if (exponent === 0) return sign * fraction * 2 ** -24
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15)
}
