import {constants} from 'node:fs'
import {createHash} from 'node:crypto'
import {mkdir, open} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {writeAtomically} from '../util/atomic-write.js'
import {canonicalJson, sha256Hex} from '../util/canonical-json.js'

/**
 * The on-disk cache of eval-side indexes (n-gram tables, image hashes): built once per suite, its
 * data and the settings, then read back in a fraction of the time. A file is named by the sha256 of
 * the canonical JSON of everything it was built from (the index format version, the settings, each
 * input file's sha256), so a changed input or setting is a different file and a stale one is never
 * read. The meta records the sha256 of the parts; a damaged or foreign file is rebuilt, never trusted.
 *
 * Layout: "DCBIDX01", u32 meta length, u32 part count, the meta JSON (padded to 8 bytes), then each
 * part as u32 length + u32 0 + bytes (padded to 8), all little-endian.
 */

const MAGIC = Buffer.from('DCBIDX01', 'latin1')

/** Where caches live: $DCBENCH_CACHE/contamination, else ~/.cache/dcbench/contamination. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DCBENCH_CACHE ?? join(homedir(), '.cache', 'dcbench'), 'contamination')
}

/** The cache key of a description of all inputs. */
export function cacheKey(inputs: unknown): string {
  return sha256Hex(canonicalJson(inputs))
}

export interface CachedIndex {
  meta: unknown
  parts: Uint8Array[]
}

/** Reads a cached index; undefined when absent, unreadable or damaged. Does not follow a symlink. */
export async function readCachedIndex(dir: string, key: string): Promise<CachedIndex | undefined> {
  let bytes: Buffer
  try {
    const handle = await open(join(dir, `${key}.idx`), constants.O_RDONLY | constants.O_NOFOLLOW)
    try {
      bytes = await handle.readFile()
    } finally {
      await handle.close()
    }
  } catch {
    return undefined
  }
  // Parts are read as Uint32Arrays: give them an aligned copy.
  const data = bytes.byteOffset % 8 === 0 ? bytes : Buffer.from(new Uint8Array(bytes))
  if (data.length < 16 || !data.subarray(0, 8).equals(MAGIC)) return undefined
  const metaLength = data.readUInt32LE(8)
  const count = data.readUInt32LE(12)
  let at = 16 + pad8(metaLength)
  if (at > data.length) return undefined
  let stored: {meta?: unknown; sha256?: unknown}
  try {
    stored = JSON.parse(data.subarray(16, 16 + metaLength).toString('utf8')) as typeof stored
  } catch {
    return undefined
  }
  const parts: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    if (at + 8 > data.length) return undefined
    const length = data.readUInt32LE(at)
    at += 8
    if (at + length > data.length) return undefined
    parts.push(new Uint8Array(data.buffer, data.byteOffset + at, length))
    at += pad8(length)
  }
  if (at !== data.length || stored.sha256 !== digest(parts)) return undefined
  return {meta: stored.meta, parts}
}

function digest(parts: readonly Uint8Array[]): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return hash.digest('hex')
}

/** Writes an index to the cache (atomically: a reader sees the old file or the whole new one). */
export async function writeCachedIndex(dir: string, key: string, meta: unknown, parts: readonly Uint8Array[]): Promise<void> {
  await mkdir(dir, {recursive: true})
  const metaBytes = Buffer.from(JSON.stringify({meta, sha256: digest(parts)}), 'utf8')
  await writeAtomically(join(dir, `${key}.idx`), async (temp) => {
    const handle = await open(temp, 'wx', 0o644)
    try {
      const head = Buffer.alloc(16)
      MAGIC.copy(head)
      head.writeUInt32LE(metaBytes.length, 8)
      head.writeUInt32LE(parts.length, 12)
      await handle.write(head)
      await handle.write(Buffer.concat([metaBytes, Buffer.alloc(pad8(metaBytes.length) - metaBytes.length)]))
      for (const part of parts) {
        const size = Buffer.alloc(8)
        size.writeUInt32LE(part.byteLength, 0)
        await handle.write(size)
        await handle.write(part)
        await handle.write(Buffer.alloc(pad8(part.byteLength) - part.byteLength))
      }
    } finally {
      await handle.close()
    }
  })
}

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8
}
