import {createReadStream} from 'node:fs'
import {pipeline} from 'node:stream'
import {createGunzip} from 'node:zlib'

import {compress as zstdCompressWasm, init as initZstdWasm} from '@bokuweb/zstd-wasm'
import {Decompress as ZstdDecompress} from 'fzstd'

/**
 * Compressed files of pools. Node 20's zlib has gzip but no zstd, so zstd comes from two small
 * libraries without native builds: fzstd (pure JS, streaming) to read pools of any size, and
 * @bokuweb/zstd-wasm (the reference C library compiled to wasm) to write synthetic pools.
 */

/** How a file name says it is compressed. */
export function compressionOf(file: string): 'zstd' | 'gzip' | 'none' {
  if (/\.(zst|zstd)$/i.test(file)) return 'zstd'
  if (/\.gz$/i.test(file)) return 'gzip'
  return 'none'
}

/**
 * Compressed bytes fed to the zstd decoder per step. A zstd block of one repeated byte takes 4 bytes
 * and stands for 128 KiB, so one step yields at most 1 KiB / 4 × 128 KiB = 32 MiB — a decompression
 * bomb is read a bounded piece at a time, as fast as its reader takes it, never all at once.
 */
const ZSTD_STEP_BYTES = 1024

/**
 * A file's decompressed bytes (by its extension: .zst/.zstd, .gz, or plain), as chunks pulled by the
 * reader: nothing is decompressed ahead of what the reader asks for beyond a bounded step.
 */
export async function* readDecompressed(file: string): AsyncGenerator<Buffer> {
  const raw = createReadStream(file, {highWaterMark: 1 << 20})
  const kind = compressionOf(file)
  try {
    if (kind === 'none') {
      for await (const chunk of raw) yield chunk as Buffer
    } else if (kind === 'gzip') {
      const gunzip = createGunzip()
      // pipeline destroys the decoder with any read error, so the loop below sees the error
      pipeline(raw, gunzip, () => {})
      for await (const chunk of gunzip) yield chunk as Buffer
    } else {
      yield* zstdDecompress(raw)
    }
  } finally {
    raw.destroy()
  }
}

/** Decompresses a zstd stream (one or more frames), ZSTD_STEP_BYTES of input at a time. */
export async function* zstdDecompress(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const pending: Buffer[] = []
  const decoder = new ZstdDecompress((chunk) => {
    pending.push(Buffer.from(chunk))
  })
  const step = (piece: Uint8Array, final: boolean): void => {
    try {
      decoder.push(piece, final)
    } catch (error) {
      throw asError(error, 'zstd')
    }
  }
  for await (const chunk of source) {
    for (let at = 0; at < chunk.length; at += ZSTD_STEP_BYTES) {
      step(chunk.subarray(at, at + ZSTD_STEP_BYTES), false)
      while (pending.length > 0) yield pending.shift() as Buffer
    }
  }
  step(new Uint8Array(0), true)
  while (pending.length > 0) yield pending.shift() as Buffer
}

let zstdReady: Promise<void> | undefined

/** zstd-compresses a whole buffer (level 3, zstd's default). */
export async function zstdCompress(data: Uint8Array, level = 3): Promise<Uint8Array> {
  zstdReady ??= initZstdWasm()
  await zstdReady
  return zstdCompressWasm(data, level)
}

function asError(error: unknown, what: string): Error {
  return error instanceof Error ? error : new Error(`${what}: ${String(error)}`)
}
