import {createHash} from 'node:crypto'
import {open, type FileHandle} from 'node:fs/promises'
import {extname} from 'node:path'

import {ByteWriter, ParquetWriter} from 'hyparquet-writer'

import {DcbError} from '../errors.js'
import {assertLittleEndianHost, readUidHex, UID_RECORD_WORDS} from '../pool/index.js'
import {removeStaleTemps, writeAtomically} from '../util/atomic-write.js'
import {uidNpyHeader} from './npy.js'
import type {SubsetFormat} from './read.js'

/**
 * Writing subsets in every format dcbench reads. Input records must be in ascending uid order (a
 * subset's canonical form; callers sort first): `.npy` comes out byte-identical to numpy's `np.save`
 * of the same `u8,u8` array, raw is the bare records, and tables get one row per distinct uid with
 * its `repeat` count. Output is atomic: a temp file renamed into place only when complete.
 */

/** The format a subset output path asks for: `.npy`, `.parquet`, `.csv` by extension, anything else raw. */
export function subsetFormatForPath(path: string): SubsetFormat {
  const ext = extname(path).toLowerCase()
  if (ext === '.npy') return 'npy'
  if (ext === '.parquet') return 'parquet'
  if (ext === '.csv') return 'csv'
  return 'raw'
}

export interface WriteSubsetOptions {
  out: string
  /** Default: from the extension (`subsetFormatForPath`). */
  format?: SubsetFormat
  /** Records in ascending uid order (4 words each). Chunks may be reused buffers. */
  records: AsyncIterable<Uint32Array>
  /** Tables: the id column's name (default `uid`; DCLM lists may use `id`). */
  idColumn?: string
}

export interface WriteSubsetResult {
  path: string
  format: SubsetFormat
  /** Records with repeats. */
  records: number
  /** Distinct uids (= table rows). */
  unique: number
  /** sha256 of the canonical sorted record bytes (the subset fingerprint). */
  fingerprint: string
  bytes: number
}

/** The npy header np.save writes is 128 bytes for any count below 10^21 (numpy pads the shape). */
const NPY_HEADER_BYTES = 128
/** Rows per parquet row group / CSV write. */
const TABLE_BATCH_ROWS = 1 << 16

/** Writes sorted records as a subset file; throws (nothing written) if they are not ascending. */
export async function writeSubset(options: WriteSubsetOptions): Promise<WriteSubsetResult> {
  assertLittleEndianHost()
  const format = options.format ?? subsetFormatForPath(options.out)
  const idColumn = options.idColumn ?? 'uid'
  let result: WriteSubsetResult | undefined
  // what a killed earlier write of this file left: never renamed, never read; only in the way
  await removeStaleTemps(options.out)
  await writeAtomically(options.out, async (temp) => {
    const handle = await open(temp, 'w').catch((error: unknown) => {
      throw subsetOutputError(options.out, error)
    })
    try {
      const hash = createHash('sha256')
      const order = new OrderCheck()
      let records = 0
      let position = format === 'npy' ? NPY_HEADER_BYTES : 0
      let table: TableSink | undefined
      if (format === 'csv') table = new CsvSink(handle, idColumn)
      if (format === 'parquet') table = new ParquetSink(handle, idColumn)
      for await (const chunk of options.records) {
        const n = chunk.length / UID_RECORD_WORDS
        order.check(chunk, n, records)
        const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        hash.update(bytes)
        if (table) await table.add(chunk, n)
        else {
          await writeFully(handle, bytes, position)
          position += bytes.length
        }
        records += n
      }
      if (table) position = await table.finish()
      if (format === 'npy') {
        if (records >= 1e21) throw new Error('npy writer: more than 10^21 records')
        const header = uidNpyHeader(records)
        if (header.length !== NPY_HEADER_BYTES) throw new Error(`npy header of ${header.length} bytes`)
        await writeFully(handle, header, 0)
      }
      await handle.sync()
      result = {path: options.out, format, records, unique: order.unique, fingerprint: hash.digest('hex'), bytes: position}
    } finally {
      await handle.close()
    }
  })
  return result as WriteSubsetResult
}

async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let written = 0
  while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written, position + written)).bytesWritten
}

/** What writeSubset throws (having written nothing) when its input records are not ascending. */
export class OutOfOrder extends Error {
  constructor(readonly record: number) {
    super(`subset writer: records out of order at record ${record}`)
  }
}

/** Checks ascending order across chunks and counts distinct uids. */
class OrderCheck {
  unique = 0
  private readonly last = new Uint32Array(UID_RECORD_WORDS)
  private any = false

  check(words: Uint32Array, n: number, before: number): void {
    const last = this.last
    for (let i = 0; i < n; i++) {
      const o = i * 4
      const cmp = !this.any ? 1 : compareWords(words, o, i === 0 ? last : words, i === 0 ? 0 : o - 4)
      if (cmp < 0) throw new OutOfOrder(before + i)
      if (cmp > 0) this.unique++
      this.any = true
    }
    if (n > 0) last.set(words.subarray((n - 1) * 4, n * 4))
  }
}

function compareWords(a: Uint32Array, x: number, b: Uint32Array, y: number): number {
  for (const k of [1, 0, 3, 2]) {
    const p = a[x + k] as number
    const q = b[y + k] as number
    if (p !== q) return p < q ? -1 : 1
  }
  return 0
}

/** Run-length collapses sorted records into (uid, repeat) rows and hands them on in batches. */
abstract class TableSink {
  private ids: string[] = []
  private repeats: number[] = []
  private readonly current = new Uint32Array(UID_RECORD_WORDS)
  private run = 0

  async add(words: Uint32Array, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const o = i * 4
      if (this.run > 0 && words[o] === this.current[0] && words[o + 1] === this.current[1] && words[o + 2] === this.current[2] && words[o + 3] === this.current[3]) {
        this.run++
        continue
      }
      if (this.run > 0) await this.push()
      this.current.set(words.subarray(o, o + 4))
      this.run = 1
    }
  }

  private async push(): Promise<void> {
    this.ids.push(readUidHex(this.current, 0))
    this.repeats.push(this.run)
    if (this.ids.length === TABLE_BATCH_ROWS) await this.flush()
  }

  private async flush(): Promise<void> {
    if (this.ids.length === 0) return
    await this.writeRows(this.ids, this.repeats)
    this.ids = []
    this.repeats = []
  }

  /** Ends the table; returns the file size. */
  async finish(): Promise<number> {
    if (this.run > 0) await this.push()
    this.run = 0
    await this.flush()
    return this.close()
  }

  protected abstract writeRows(ids: string[], repeats: number[]): Promise<void>
  protected abstract close(): Promise<number>
}

class CsvSink extends TableSink {
  private position: number
  constructor(
    private readonly handle: FileHandle,
    idColumn: string,
  ) {
    super()
    const header = Buffer.from(`${idColumn},repeat\n`)
    this.position = header.length
    this.pending = writeFully(handle, header, 0)
  }
  private pending: Promise<void>

  protected async writeRows(ids: string[], repeats: number[]): Promise<void> {
    await this.pending
    let text = ''
    for (let i = 0; i < ids.length; i++) text += `${ids[i]},${repeats[i]}\n`
    const bytes = Buffer.from(text, 'latin1')
    await writeFully(this.handle, bytes, this.position)
    this.position += bytes.length
  }

  protected async close(): Promise<number> {
    await this.pending
    return this.position
  }
}

/** Parquet: `uid` (STRING, required) and `repeat` (INT64, required), a row group per 65,536 rows, snappy. */
class ParquetSink extends TableSink {
  private readonly bytes = new ByteWriter()
  private readonly writer: ParquetWriter
  private position = 0
  constructor(
    private readonly handle: FileHandle,
    private readonly idColumn: string,
  ) {
    super()
    this.writer = new ParquetWriter({
      writer: this.bytes,
      schema: [
        {name: 'root', num_children: 2},
        {name: idColumn, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED'},
        {name: 'repeat', type: 'INT64', repetition_type: 'REQUIRED'},
      ],
      createdBy: 'dcbench',
    })
  }

  private async drain(): Promise<void> {
    const chunk = new Uint8Array(this.bytes.buffer, 0, this.bytes.index)
    await writeFully(this.handle, chunk, this.position)
    this.position += chunk.length
    this.bytes.index = 0
  }

  protected async writeRows(ids: string[], repeats: number[]): Promise<void> {
    await this.writer.write({
      columnData: [
        {name: this.idColumn, data: ids},
        {name: 'repeat', data: BigInt64Array.from(repeats, (r) => BigInt(r))},
      ],
      rowGroupSize: TABLE_BATCH_ROWS,
    })
    await this.drain()
  }

  protected async close(): Promise<number> {
    await this.writer.finish()
    await this.drain()
    return this.position
  }
}

/** The one-line error for a subset file that cannot be written (a missing folder, no permission, …). */
export function subsetOutputError(out: string, error: unknown): DcbError {
  const code = (error as NodeJS.ErrnoException).code
  return new DcbError('DCB_SUBSET_OUTPUT', `cannot write subset ${out}: ${code ?? (error as Error).message.split('\n')[0]}`)
}
