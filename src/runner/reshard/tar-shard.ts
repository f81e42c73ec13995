import {createHash} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {rename, rm} from 'node:fs/promises'
import {Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {setTimeout as sleep} from 'node:timers/promises'

import tar from 'tar-stream'

import {tempPathFor} from '../../util/atomic-write.js'

/** What a finished shard is: its size and sha256 (of the tar bytes). */
export interface WrittenShard {
  path: string
  bytes: number
  sha256: string
}

/** Fixed member mtime, so the same input gives the same bytes. */
const TAR_MTIME = new Date(0)
/** Bytes the tar stream may hold ahead of the file before `add` waits. */
const MAX_BUFFERED = 16 << 20

/**
 * One output tar, written to a temporary file beside its target and renamed on `close` — a reader (or
 * a resumed reshard) never sees a partial shard. Members are added in order; the sha256 is computed on
 * the way to disk.
 */
export class TarShardWriter {
  readonly path: string
  private readonly temp: string
  private readonly pack = tar.pack()
  private readonly hash = createHash('sha256')
  private bytes = 0
  private readonly done: Promise<void>
  private failed: unknown

  constructor(path: string) {
    this.path = path
    this.temp = tempPathFor(path)
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.hash.update(chunk)
        this.bytes += chunk.length
        callback(null, chunk)
      },
    })
    this.done = pipeline(this.pack, counter, createWriteStream(this.temp))
    this.done.catch((error: unknown) => {
      this.failed = error
    })
  }

  /** Adds one member; waits while too much is buffered ahead of the disk. */
  async add(name: string, data: Uint8Array): Promise<void> {
    if (this.failed) throw this.failed
    const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    await new Promise<void>((resolve, reject) => {
      this.pack.entry({name, size: body.length, mtime: TAR_MTIME, mode: 0o644, uid: 0, gid: 0, uname: '', gname: ''}, body, (error) => (error ? reject(error) : resolve()))
    })
    while (buffered(this.pack) > MAX_BUFFERED && !this.failed) await sleep(2)
  }

  /** Finishes the tar and moves it onto its path. */
  async close(): Promise<WrittenShard> {
    this.pack.finalize()
    try {
      await this.done
      await rename(this.temp, this.path)
    } catch (error) {
      await rm(this.temp, {force: true})
      throw error
    }
    return {path: this.path, bytes: this.bytes, sha256: this.hash.digest('hex')}
  }

  /** Drops the temporary file (on an error or an interrupt). */
  async abort(): Promise<void> {
    this.pack.destroy()
    await this.done.catch(() => {})
    await rm(this.temp, {force: true})
  }
}

/** Bytes queued in a tar-stream pack (a streamx Readable: `_readableState.buffered`). */
function buffered(pack: tar.Pack): number {
  return (pack as unknown as {_readableState?: {buffered?: number}})._readableState?.buffered ?? 0
}
