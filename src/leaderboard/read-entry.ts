import {readFile} from 'node:fs/promises'

import {DcbError} from '../errors.js'
import {parseStrictJson, StrictJsonError} from '../util/strict-json.js'
import {describeZodError} from '../util/zod-issue.js'
import {ENTRY_FORMAT, ENTRY_FORMAT_VERSION, READABLE_ENTRY_VERSIONS, SignedEntry} from './entry-schema.js'

/** An entry file as read: the raw JSON object (what the signature covers) and, when valid, the typed entry. */
export interface ReadEntry {
  file: string
  raw: Record<string, unknown>
  /** Set when the entry matches the schema. */
  entry?: SignedEntry
  /** Why it does not, one line (field path: problem). */
  schemaProblem?: string
}

/**
 * Reads an entry file. An unreadable file or one that is not a JSON object is unusable input
 * (DcbError, exit 2); a JSON object that breaks the schema is returned with `schemaProblem` so that
 * verification can report it among its other findings.
 */
export async function readEntryFile(file: string): Promise<ReadEntry> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new DcbError('DCB_ENTRY_FILE', `${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code})`}`)
  }
  return parseEntryText(text, file)
}

export function parseEntryText(text: string, file: string): ReadEntry {
  let raw: unknown
  try {
    // Strict: what the signature covers is the one reading every reader sees (no duplicate keys, no
    // prototype keys, no numbers beyond the double range).
    raw = parseStrictJson(text)
  } catch (error) {
    if (!(error instanceof StrictJsonError)) throw error
    throw new DcbError('DCB_ENTRY_FILE', `${file}: not valid JSON: ${error.message}`, {
      suggestions: ["an entry is the JSON file written by 'bench submit'"],
    })
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new DcbError('DCB_ENTRY_FILE', `${file}: expected a JSON object (a leaderboard entry), received ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}`)
  }
  const object = raw as Record<string, unknown>
  const schemaProblem = versionProblem(object)
  if (schemaProblem) return {file, raw: object, schemaProblem}
  const parsed = SignedEntry.safeParse(object)
  if (!parsed.success) return {file, raw: object, schemaProblem: describeZodError(parsed.error)}
  return {file, raw: object, entry: parsed.data}
}

/** The format/version gate, checked first so that a future or foreign file gets a plain answer. */
function versionProblem(object: Record<string, unknown>): string | undefined {
  if (object.format !== ENTRY_FORMAT) {
    return `format: received ${JSON.stringify(object.format) ?? 'nothing'}, expected "${ENTRY_FORMAT}" (not a dcbench leaderboard entry)`
  }
  if (!(READABLE_ENTRY_VERSIONS as readonly unknown[]).includes(object.format_version)) {
    return `format_version: received ${JSON.stringify(object.format_version) ?? 'nothing'}, this dcbench reads versions ${READABLE_ENTRY_VERSIONS.join(' and ')} (writes ${ENTRY_FORMAT_VERSION})`
  }
  return undefined
}
