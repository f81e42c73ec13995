import {createHash} from 'node:crypto'
import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {DcbError} from '../../errors.js'
import {readDecompressed} from '../../pool/compression.js'
import {fileKind, regularFileSize} from '../../util/regular-file.js'
import {parseStrictJsonBytes, StrictJsonError} from '../../util/strict-json.js'

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
      if (!info.isFile()) throw new DcbError('DCB_POOL_INPUT', `DCLM pool ${path}: not a regular file (${fileKind(info)})`)
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
 * The longest document line read, in bytes: 64 MiB. Common Crawl truncates every fetched payload at
 * 1 MiB, so no text extracted from it (the DCLM pool) comes near; a longer line is refused before it
 * is held, so a hostile file cannot make a reader hold gigabytes.
 */
export const DCLM_MAX_LINE_BYTES = 64 << 20

/**
 * Every document of a pool, file by file, line by line (blank lines skipped). A line that is not a
 * JSON object with a string `text` is an error naming file and line.
 */
export async function* iterateDclmDocuments(pool: string | readonly string[]): AsyncGenerator<DclmDocument> {
  for (const file of await listDclmDocumentFiles(pool)) yield* iterateDocumentFile(file)
}

/**
 * The documents of one JSONL file. Lines are split from the decompressed stream here, never longer
 * than DCLM_MAX_LINE_BYTES, and parsed by the strict JSON reader: invalid UTF-8 and a key twice in a
 * record (`text` twice: which is the document?) are refused, as tokshuf-rs's serde_json refuses them.
 */
export async function* iterateDocumentFile(file: string): AsyncGenerator<DclmDocument> {
  await regularFileSize(file, {code: 'DCB_POOL_INPUT', what: `DCLM documents ${file}`})
  let line = 0
  try {
    for await (const bytes of splitLines(readDecompressed(file), DCLM_MAX_LINE_BYTES, (at) => {
      throw new DcbError('DCB_POOL_INPUT', `DCLM documents ${file}, line ${at}: longer than ${DCLM_MAX_LINE_BYTES} bytes; a DCLM document is at most a few MiB (Common Crawl truncates pages at 1 MiB)`)
    })) {
      line++
      const text = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, -1) : bytes
      if (isBlank(text)) continue
      let record: unknown
      try {
        record = parseStrictJsonBytes(text)
      } catch (error) {
        if (!(error instanceof StrictJsonError)) throw error
        throw new DcbError('DCB_POOL_INPUT', `DCLM documents ${file}, line ${line}: not valid JSON (${error.reason}; starts ${JSON.stringify(text.subarray(0, 40).toString('utf8'))})`)
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
  }
}

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a) return false
  return true
}

/**
 * The lines of a byte stream (without their '\n'), each at most `maxBytes`: a longer one calls
 * `tooLong(line number)`, which throws, as soon as the bytes pass the limit — before the rest of it is read.
 */
async function* splitLines(input: AsyncIterable<Buffer>, maxBytes: number, tooLong: (line: number) => never): AsyncGenerator<Buffer> {
  let parts: Buffer[] = []
  let partBytes = 0
  let line = 0
  for await (const buffer of input) {
    let start = 0
    for (let end = buffer.indexOf(0x0a); end !== -1; end = buffer.indexOf(0x0a, start)) {
      line++
      if (partBytes + end - start > maxBytes) tooLong(line)
      const piece = buffer.subarray(start, end)
      yield partBytes === 0 ? piece : Buffer.concat([...parts, piece])
      parts = []
      partBytes = 0
      start = end + 1
    }
    if (start < buffer.length) {
      if (partBytes + buffer.length - start > maxBytes) tooLong(line + 1)
      parts.push(buffer.subarray(start))
      partBytes += buffer.length - start
    }
  }
  if (partBytes > 0) yield Buffer.concat(parts)
}
