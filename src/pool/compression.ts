import {createReadStream} from 'node:fs'
import {pipeline, Transform, type Readable} from 'node:stream'
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

/** A stream of a file's decompressed bytes (by its extension: .zst/.zstd, .gz, or plain). */
export function openDecompressed(file: string): Readable {
  const raw = createReadStream(file, {highWaterMark: 1 << 20})
  const kind = compressionOf(file)
  if (kind === 'none') return raw
  const decoder = kind === 'gzip' ? createGunzip() : zstdDecompressStream()
  // pipeline destroys the decoder with any read error, so whoever consumes it sees the error
  pipeline(raw, decoder, () => {})
  return decoder
}

/** A Transform that decompresses a zstd stream (one or more frames). */
export function zstdDecompressStream(): Transform {
  const pending: Uint8Array[] = []
  const decoder = new ZstdDecompress((chunk) => {
    pending.push(Buffer.from(chunk))
  })
  const drain = (stream: Transform): void => {
    for (const chunk of pending.splice(0)) stream.push(chunk)
  }
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        drain(this)
        callback()
      } catch (error) {
        callback(asError(error, 'zstd'))
      }
    },
    flush(callback) {
      try {
        decoder.push(new Uint8Array(0), true)
        drain(this)
        callback()
      } catch (error) {
        callback(asError(error, 'zstd'))
      }
    },
  })
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
