import {createHash} from 'node:crypto'
import {open, stat} from 'node:fs/promises'

import {benchmarkOfIndexKind, getBenchmark, listBenchmarks} from '../benchmarks/registry.js'
import {DcbError} from '../errors.js'
import {removeStaleTemps, writeAtomically} from '../util/atomic-write.js'
import {assertLittleEndianHost, compareUids, UID_RECORD_BYTES, UID_RECORD_WORDS} from './uid.js'

/**
 * The pool uid index, `pool.uidx` (written by `bench pool index`): every uid (DataComp) or document
 * id (DCLM) of a pool, sorted, so a subset is checked against it by one streamed merge-join.
 *
 * Layout (all integers little-endian):
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 8 | magic `DCBUIDX\0` |
 * | 8 | 4 | format version, uint32 = 1 |
 * | 12 | 4 | kind, uint32: the benchmark's `pool.indexKind` (1 = DataComp uids, 2 = DCLM document ids) |
 * | 16 | 8 | count: number of records, uint64 |
 * | 24 | 32 | sha256 of the record bytes (offset 64 to the end) |
 * | 56 | 8 | unique: number of distinct uids, uint64 |
 * | 64 | 16·count | records, ascending in uid order; each exactly a DataComp `.npy` record: high 64 bits then low 64 bits, each little-endian (uid.ts) |
 *
 * The record part is itself a valid headerless ("raw memmap") DataComp subset of the whole pool.
 */
export const UID_INDEX_MAGIC = 'DCBUIDX\0'
export const UID_INDEX_VERSION = 1
export const UID_INDEX_HEADER_BYTES = 64

/** What the ids of an index are: the id of the benchmark whose pool it indexes. */
export type UidIndexKind = string

/** The header of a `.uidx` file. */
export interface UidIndexHeader {
  path: string
  version: number
  kind: UidIndexKind
  /** Records (uids with their repeats, if the pool had any). */
  count: number
  /** Distinct uids. */
  unique: number
  /** sha256 (hex) of the record bytes. */
  sha256: string
  /** Byte offset of the first record (64). */
  dataOffset: number
}

export interface WriteUidIndexOptions {
  out: string
  kind: UidIndexKind
  /** Records in ascending uid order (e.g. from `sortUidStream`). */
  records: AsyncIterable<Uint32Array>
}

/**
 * Writes an index from sorted records, atomically (temp file + rename). Throws if the records are not
 * ascending — a bug in the caller, since they come from a sort.
 */
export async function writeUidIndex(options: WriteUidIndexOptions): Promise<UidIndexHeader> {
  assertLittleEndianHost()
  let header: UidIndexHeader | undefined
  // what a killed earlier index run left: never renamed, never read; only in the way
  await removeStaleTemps(options.out)
  await writeAtomically(options.out, async (temp) => {
    const handle = await open(temp, 'w')
    try {
      const hash = createHash('sha256')
      let count = 0
      let unique = 0
      const last = new Uint32Array(UID_RECORD_WORDS)
      let position = UID_INDEX_HEADER_BYTES
      for await (const chunk of options.records) {
        const n = chunk.length / UID_RECORD_WORDS
        for (let i = 0; i < n; i++) {
          // this record against the one before it (the first record of all counts as new)
          const cmp = count + i === 0 ? 1 : i === 0 ? compareUids(chunk, 0, last, 0) : compareUids(chunk, i, chunk, i - 1)
          if (cmp < 0) throw new Error(`uid index records out of order at record ${count + i}`)
          if (cmp > 0) unique++
        }
        if (n > 0) last.set(chunk.subarray((n - 1) * UID_RECORD_WORDS, n * UID_RECORD_WORDS))
        const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        hash.update(bytes)
        let written = 0
        while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written, position + written)).bytesWritten
        position += bytes.length
        count += n
      }
      const sha256 = hash.digest('hex')
      await handle.write(encodeHeader({kind: options.kind, count, unique, sha256}), 0, UID_INDEX_HEADER_BYTES, 0)
      header = {path: options.out, version: UID_INDEX_VERSION, kind: options.kind, count, unique, sha256, dataOffset: UID_INDEX_HEADER_BYTES}
    } finally {
      await handle.close()
    }
  })
  return header as UidIndexHeader
}

function encodeHeader(fields: {kind: UidIndexKind; count: number; unique: number; sha256: string}): Uint8Array {
  const buf = Buffer.alloc(UID_INDEX_HEADER_BYTES)
  buf.write(UID_INDEX_MAGIC, 0, 'latin1')
  buf.writeUInt32LE(UID_INDEX_VERSION, 8)
  buf.writeUInt32LE(getBenchmark(fields.kind).pool.indexKind, 12)
  buf.writeBigUInt64LE(BigInt(fields.count), 16)
  Buffer.from(fields.sha256, 'hex').copy(buf, 24)
  buf.writeBigUInt64LE(BigInt(fields.unique), 56)
  return buf
}

/** Reads and checks the header of a `.uidx` file (magic, version, kind, size = 64 + 16·count). */
export async function readUidIndexHeader(path: string): Promise<UidIndexHeader> {
  let size: number
  try {
    size = (await stat(path)).size
  } catch {
    throw new DcbError('DCB_POOL_INDEX', `cannot read pool index ${path}: no such file`, {suggestions: ['build one with `bench pool index POOL --out pool.uidx`']})
  }
  const handle = await open(path, 'r')
  const buf = Buffer.alloc(UID_INDEX_HEADER_BYTES)
  try {
    await handle.read(buf, 0, UID_INDEX_HEADER_BYTES, 0)
  } finally {
    await handle.close()
  }
  const bad = (problem: string) => new DcbError('DCB_POOL_INDEX', `pool index ${path}: ${problem}`, {suggestions: ['rebuild it with `bench pool index`']})
  if (size < UID_INDEX_HEADER_BYTES || buf.toString('latin1', 0, 8) !== UID_INDEX_MAGIC) throw bad(`not a dcbench uid index (no ${JSON.stringify(UID_INDEX_MAGIC)} magic)`)
  const version = buf.readUInt32LE(8)
  if (version !== UID_INDEX_VERSION) throw bad(`format version ${version}; this dcbench reads version ${UID_INDEX_VERSION}`)
  const kindCode = buf.readUInt32LE(12)
  const kind = benchmarkOfIndexKind(kindCode)?.id
  if (!kind) throw bad(`unknown kind ${kindCode}; expected ${listBenchmarks().map((b) => `${b.pool.indexKind} (${b.id})`).join(' or ')}`)
  const count = Number(buf.readBigUInt64LE(16))
  const expected = UID_INDEX_HEADER_BYTES + count * UID_RECORD_BYTES
  if (size !== expected) throw bad(`size ${size} bytes but the header declares ${count} records (${expected} bytes); the file is truncated or not an index`)
  return {path, version, kind, count, unique: Number(buf.readBigUInt64LE(56)), sha256: buf.toString('hex', 24, 56), dataOffset: UID_INDEX_HEADER_BYTES}
}

/**
 * Checks the sha256 of an index's records, computed by the caller as it read them (`actual`), against
 * the one its header stores: a flipped bit in any record is refused, not read as another pool.
 */
export function checkUidIndexDigest(header: UidIndexHeader, actual: string): void {
  if (actual === header.sha256) return
  throw new DcbError(
    'DCB_POOL_INDEX',
    `pool index ${header.path}: the sha256 of its records (${actual.slice(0, 16)}…) differs from the ${header.sha256.slice(0, 16)}… its header stores; the file is corrupt`,
    {suggestions: ['rebuild it with `bench pool index`']},
  )
}

/** Streams an index's records in chunks of `chunkRecords` (default 262,144 = 4 MiB). */
export async function* readUidIndexRecords(header: UidIndexHeader, chunkRecords = 262_144): AsyncGenerator<Uint32Array> {
  const handle = await open(header.path, 'r')
  try {
    let position = header.dataOffset
    const end = header.dataOffset + header.count * UID_RECORD_BYTES
    while (position < end) {
      const bytes = Math.min(end - position, chunkRecords * UID_RECORD_BYTES)
      const buf = new Uint8Array(bytes)
      let read = 0
      while (read < bytes) {
        const {bytesRead} = await handle.read(buf, read, bytes - read, position + read)
        if (bytesRead === 0) throw new DcbError('DCB_POOL_INDEX', `pool index ${header.path}: ended at byte ${position + read}, before the ${header.count} records the header declares`)
        read += bytesRead
      }
      position += bytes
      yield new Uint32Array(buf.buffer, 0, bytes / 4)
    }
  } finally {
    await handle.close()
  }
}
