import {open} from 'node:fs/promises'

import {DcbError, type ErrorCode} from '../errors.js'
import {UID_RECORD_BYTES} from '../pool/index.js'

export interface RecordChunksOptions {
  path: string
  /** Byte offset of the first record. */
  offset: number
  /** Records to read. */
  count: number
  /** Records per chunk (default DEFAULT_CHUNK_RECORDS). */
  chunkRecords?: number
  /** The two read-ahead buffers (each ≥ a chunk), e.g. a scan kernel's memory; allocated when omitted. */
  buffers?: [Uint8Array, Uint8Array]
  /** Error code and message prefix when the file ends early. */
  errorCode?: ErrorCode
  describe?: string
}

/** 256 Ki records = 4 MiB: large enough that per-chunk costs vanish (1 MiB chunks measured no faster in bench/subset-validate). */
export const DEFAULT_CHUNK_RECORDS = 1 << 18

/**
 * Streams `count` 16-byte records from a file as 4-word chunks, reading ahead: while the caller
 * works on one chunk the next is already being read (two buffers, alternating). A yielded chunk
 * stays valid until the caller asks for the chunk after the next one… precisely: until the second
 * following `next()` — callers that finish with a chunk before asking for the next are safe.
 * Memory: two chunks, whatever the file size.
 */
export async function* readRecordChunks(options: RecordChunksOptions): AsyncGenerator<Uint32Array> {
  const chunkRecords = options.chunkRecords ?? DEFAULT_CHUNK_RECORDS
  const total = options.count
  if (total === 0) return
  const size = Math.min(total, chunkRecords) * UID_RECORD_BYTES
  const buffers = options.buffers ?? [new Uint8Array(size), new Uint8Array(total > chunkRecords ? size : 0)]
  if (options.buffers && options.buffers.some((buffer) => buffer.byteLength < size)) throw new Error(`readRecordChunks: buffers smaller than a ${chunkRecords}-record chunk`)
  const handle = await open(options.path, 'r')
  const readInto = async (buffer: Uint8Array, first: number): Promise<Uint32Array> => {
    const want = Math.min(total - first, chunkRecords) * UID_RECORD_BYTES
    const position = options.offset + first * UID_RECORD_BYTES
    let got = 0
    while (got < want) {
      const {bytesRead} = await handle.read(buffer, got, want - got, position + got)
      if (bytesRead === 0) {
        throw new DcbError(options.errorCode ?? 'DCB_SUBSET_FORMAT', `${options.describe ?? options.path}: ended at byte ${position + got}, before the ${total} records it declares`)
      }
      got += bytesRead
    }
    return new Uint32Array(buffer.buffer, buffer.byteOffset, want / 4)
  }
  let pending: Promise<Uint32Array> | undefined
  try {
    let next = 0
    let which = 0
    pending = readInto(buffers[0] as Uint8Array, 0)
    while (next < total) {
      const chunk: Uint32Array = await (pending as Promise<Uint32Array>)
      pending = undefined
      next += chunk.length / 4
      which ^= 1
      if (next < total) {
        pending = readInto(buffers[which] as Uint8Array, next)
        // a rejected read-ahead is reported when awaited; never leave it unhandled meanwhile
        pending.catch(() => {})
      }
      yield chunk
    }
  } finally {
    if (pending) await pending.catch(() => {})
    await handle.close()
  }
}
