import {readFile, stat} from 'node:fs/promises'

import {DcbError, type ErrorCode} from '../errors.js'
import {regularFileSize} from './regular-file.js'
import {parseStrictJsonBytes, StrictJsonError, type StrictJsonValue} from './strict-json.js'

/**
 * Small JSON files that dcbench reads whole (stats files, pool.json, reshard state and manifests):
 * refused when they are not regular files or larger than `maxBytes`, before a byte is read, and
 * parsed by the strict reader (`strict-json.ts`: no duplicate or prototype keys, finite numbers).
 */
export interface ReadJsonFileOptions {
  /** The error code of the caller's domain. */
  code: ErrorCode
  /** How messages name the file: `DataComp shard stats 00000000_stats.json`. */
  what: string
  /** The largest file read, in bytes. */
  maxBytes: number
  /** A missing file is undefined rather than an error. */
  allowMissing?: boolean
}

/** The parsed file, or undefined when it is missing and `allowMissing`. Every problem is a one-line DcbError. */
export async function readJsonFile(path: string, options: ReadJsonFileOptions): Promise<StrictJsonValue | undefined> {
  if (options.allowMissing && (await stat(path).catch((error: NodeJS.ErrnoException) => error.code)) === 'ENOENT') return undefined
  await regularFileSize(path, {code: options.code, what: options.what, maxBytes: options.maxBytes, limitReason: `bytes such a file may have`})
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (error) {
    throw new DcbError(options.code, `${options.what}: cannot read (${(error as NodeJS.ErrnoException).code})`)
  }
  try {
    return parseStrictJsonBytes(bytes)
  } catch (error) {
    if (error instanceof StrictJsonError) throw new DcbError(options.code, `${options.what}: not valid JSON: ${error.message}`)
    throw error
  }
}

/** The value as a JSON object (null prototype), or undefined when it is anything else. */
export function asJsonObject(value: StrictJsonValue | undefined): {[key: string]: StrictJsonValue} | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined
}
