import {closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DcbError} from '../../errors.js'

/**
 * A scratch file of a pool's embedding rows (float32, pool order), written during the assignment
 * pass so that SemDeDup can then read any cluster's rows by their row numbers without another pass
 * over the pool: disk instead of memory (rows × dim × 4 bytes in the temp folder, removed on close).
 */
export class RowSpill {
  private readonly dir: string
  private readonly fd: number
  rows = 0
  dim = 0

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'dcbench-rows-'))
    // created here, so nothing planted can stand in its place
    this.fd = openSync(join(this.dir, 'rows.f32'), 'wx+', 0o600)
  }

  /** Appends `rows.length / dim` rows. */
  append(rows: Float32Array, dim: number): void {
    if (this.rows > 0 && dim !== this.dim) throw new RangeError(`rows of ${dim} values after rows of ${this.dim}`)
    this.dim = dim
    const bytes = new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength)
    let done = 0
    try {
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.rows * dim * 4 + done)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOSPC' || code === 'EDQUOT') {
        throw new DcbError('DCB_FILTER_SCRATCH', `writing the scratch copy of the embeddings in ${this.dir}: no space left after ${this.rows} rows (${code}); it needs rows × ${dim} × 4 bytes`, {suggestions: ['free space in the temp folder, or point TMPDIR at a larger disk']})
      }
      throw error
    }
    this.rows += rows.length / dim
  }

  /** Reads row `row` into `into` at byte `offset` (dim × 4 bytes). */
  read(row: number, into: Uint8Array, offset: number): void {
    const length = this.dim * 4
    let done = 0
    while (done < length) {
      const n = readSync(this.fd, into, offset + done, length - done, row * length + done)
      if (n === 0) throw new RangeError(`scratch row ${row} is past the end of the file (${this.rows} rows)`)
      done += n
    }
  }

  /** Closes and removes the scratch file. */
  close(): void {
    closeSync(this.fd)
    rmSync(this.dir, {recursive: true, force: true})
  }
}
