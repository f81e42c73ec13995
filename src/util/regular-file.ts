import type {Stats} from 'node:fs'
import {stat} from 'node:fs/promises'

import {DcbError, type ErrorCode} from '../errors.js'

/**
 * Input files must be regular files. A FIFO blocks its reader until a writer comes (forever, for a
 * hostile one), a character device such as /dev/zero never ends, and neither has a size to check
 * before reading. stat() follows symlinks — a link the user made to a real file is fine — and never
 * blocks on a FIFO, unlike open().
 */

/** What a non-regular file is, for messages: `a FIFO`, `a directory`, `a character device`, … */
export function fileKind(stats: Stats): string {
  if (stats.isFile()) return 'a regular file'
  if (stats.isDirectory()) return 'a directory'
  if (stats.isFIFO()) return 'a FIFO'
  if (stats.isSocket()) return 'a socket'
  if (stats.isCharacterDevice()) return 'a character device'
  if (stats.isBlockDevice()) return 'a block device'
  return 'not a file'
}

export interface RegularFileOptions {
  /** The error code of the caller's domain. */
  code: ErrorCode
  /** How messages name the file: `subset data.npy`, `DCLM documents a.jsonl`. */
  what: string
  /** Refuse a file larger than this many bytes, naming the limit and `limitReason`. */
  maxBytes?: number
  limitReason?: string
}

/**
 * The size of a regular file; a missing path, a directory, a FIFO, a device or a file over `maxBytes`
 * is a one-line DcbError: `<what>: no such file`, `<what>: not a regular file (a FIFO)`, ….
 */
export async function regularFileSize(path: string, options: RegularFileOptions): Promise<number> {
  let stats: Stats
  try {
    stats = await stat(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new DcbError(options.code, `${options.what}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code})`}`)
  }
  if (!stats.isFile()) throw new DcbError(options.code, `${options.what}: not a regular file (${fileKind(stats)})`)
  if (options.maxBytes !== undefined && stats.size > options.maxBytes) {
    throw new DcbError(options.code, `${options.what}: ${stats.size} bytes, more than the ${options.maxBytes} ${options.limitReason ?? 'allowed'}`)
  }
  return stats.size
}
