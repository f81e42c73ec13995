import {createHash} from 'node:crypto'
import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {createInterface} from 'node:readline'

import {DcbError} from '../../errors.js'
import {openDecompressed} from '../../pool/compression.js'

/**
 * Reading DCLM pools: JSONL documents, plain or compressed (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`,
 * `.jsonl.zstd` — the suffixes DCLM's tokenize-shuffle accepts, dclm spec §3), one JSON object per
 * line with a string `text` (dclm spec §1, §3).
 *
 * ## The document id
 *
 * DCLM has no per-document id, so dcbench defines one, stable under re-sharding, re-compression,
 * re-ordering and added annotation fields (quality scores, language ids):
 *
 *     id = first 16 bytes of sha256( utf8(url) ‖ 0x00 ‖ utf8(text) ),  url = record.url if it is a string, else ""
 *
 * written as 32 lowercase hex digits, and stored in subsets and the pool index exactly like a
 * DataComp uid (high 64 bits = first 8 bytes). Two records with the same url and text are the same
 * document: a subset naming the id selects both. (That pool records carry the page URL as a
 * top-level `url` key is [inferred] from DCLM's baselines code, which names the JSONL keys `text` and
 * `url`; a record without one hashes the text alone, with the 0x00 separator still in front.)
 */
export function dclmDocumentId(record: {url?: unknown; text: string}): string {
  const url = typeof record.url === 'string' ? record.url : ''
  return createHash('sha256').update(url, 'utf8').update(SEPARATOR).update(record.text, 'utf8').digest('hex').slice(0, 32)
}

const SEPARATOR = new Uint8Array([0])

/** JSONL document files, by suffix. */
export const DCLM_DOCUMENT_SUFFIXES = ['.jsonl', '.jsonl.gz', '.jsonl.zst', '.jsonl.zstd'] as const

/** true when a file name is a DCLM document file. */
export function isDclmDocumentFile(name: string): boolean {
  return DCLM_DOCUMENT_SUFFIXES.some((suffix) => name.toLowerCase().endsWith(suffix))
}

/** One document of a pool. */
export interface DclmDocument {
  /** The document id (see `dclmDocumentId`). */
  id: string
  text: string
  /** The whole parsed JSON record. */
  record: Record<string, unknown>
  /** File and 1-based line it came from. */
  file: string
  line: number
}

/**
 * The document files of a pool: `POOL/documents/*` for a pool directory, the document files of any
 * other directory, or the given files — in name order.
 */
export async function listDclmDocumentFiles(paths: string | readonly string[]): Promise<string[]> {
  const files: string[] = []
  for (const path of typeof paths === 'string' ? [paths] : paths) {
    const info = await stat(path).catch(() => undefined)
    if (!info) throw new DcbError('DCB_POOL_INPUT', `DCLM pool ${path}: no such file or directory`)
    if (!info.isDirectory()) {
      files.push(path)
      continue
    }
    const docsDir = (await stat(join(path, 'documents')).catch(() => undefined))?.isDirectory() ? join(path, 'documents') : path
    const names = (await readdir(docsDir)).filter(isDclmDocumentFile).sort()
    if (names.length === 0) throw new DcbError('DCB_POOL_INPUT', `DCLM pool ${path}: no ${DCLM_DOCUMENT_SUFFIXES.join('/')} files in ${docsDir}`)
    files.push(...names.map((n) => join(docsDir, n)))
  }
  return files
}

/**
 * Every document of a pool, file by file, line by line (blank lines skipped). A line that is not a
 * JSON object with a string `text` is an error naming file and line.
 */
export async function* iterateDclmDocuments(pool: string | readonly string[]): AsyncGenerator<DclmDocument> {
  for (const file of await listDclmDocumentFiles(pool)) yield* iterateDocumentFile(file)
}

/** The documents of one JSONL file. */
export async function* iterateDocumentFile(file: string): AsyncGenerator<DclmDocument> {
  const lines = createInterface({input: openDecompressed(file), crlfDelay: Infinity})
  let line = 0
  try {
    for await (const text of lines) {
      line++
      if (text.trim() === '') continue
      let record: unknown
      try {
        record = JSON.parse(text)
      } catch {
        throw new DcbError('DCB_POOL_INPUT', `DCLM documents ${file}, line ${line}: not valid JSON (starts ${JSON.stringify(text.slice(0, 40))})`)
      }
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        throw new DcbError('DCB_POOL_INPUT', `DCLM documents ${file}, line ${line}: a JSON ${Array.isArray(record) ? 'array' : typeof record}; expected an object with a "text" string`)
      }
      const doc = record as Record<string, unknown>
      if (typeof doc.text !== 'string') {
        throw new DcbError('DCB_POOL_INPUT', `DCLM documents ${file}, line ${line}: "text" is ${doc.text === undefined ? 'missing' : `a ${typeof doc.text}`}; expected a string`)
      }
      yield {id: dclmDocumentId({url: doc.url, text: doc.text}), text: doc.text, record: doc, file, line}
    }
  } catch (error) {
    if (error instanceof DcbError) throw error
    const e = error as NodeJS.ErrnoException
    throw new DcbError('DCB_POOL_INPUT', `DCLM documents ${file}: ${e.code === 'ENOENT' ? 'no such file' : `cannot decompress or read (${e.message.split('\n')[0]})`}`)
  } finally {
    lines.close()
  }
}
