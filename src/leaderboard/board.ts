import {mkdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'

import lockfile from 'proper-lockfile'
import {z} from 'zod'

import {DcbError} from '../errors.js'
import {writeFileAtomic} from '../util/atomic-write.js'
import {describeZodError} from '../util/zod-issue.js'
import {ContaminationRecord} from './contamination-schema.js'
import {SignedEntry} from './entry-schema.js'

/**
 * A board folder, kept by the organizers:
 *
 *     BOARD/entries.jsonl   one BoardRecord per line, in the order they were added
 *     BOARD/keyring/        the trusted public keys (default keyring of `bench leaderboard add`)
 *
 * entries.jsonl is only ever replaced whole (temp file + rename) while holding a lock
 * (`entries.jsonl.lock`, proper-lockfile), so a reader never sees a torn file and two concurrent
 * adds never lose one another's entry.
 */
export const ENTRIES_FILE = 'entries.jsonl'
export const BOARD_KEYRING_DIR = 'keyring'

/** The verification status shown on the board. */
export const EntryStatus = z.enum(['verified', 'self-reported'])

/** An organizer re-run that confirmed an entry. */
export const RerunRecord = z.strictObject({
  /** Id of the organizer's own signed entry for the re-run. */
  entry_id: z.string(),
  /** The organizer key that signed it. */
  key_id: z.string(),
  signer: z.string(),
  /** The headline aggregate: submitted value, re-run value, and their difference. */
  headline: z.strictObject({name: z.string(), submitted: z.number(), rerun: z.number(), difference: z.number()}),
  tolerance: z.number(),
  added_at: z.string(),
})

/** One line of entries.jsonl. */
export const BoardRecord = z.strictObject({
  record_version: z.literal(1),
  entry_id: z.string().regex(/^[0-9a-f]{64}$/),
  added_at: z.string(),
  status: EntryStatus,
  signer: z.strictObject({key_id: z.string(), name: z.string()}),
  rerun: RerunRecord.optional(),
  /** An organizer's signed contamination check of the entry's data (contamination-record.ts). */
  contamination: ContaminationRecord.optional(),
  entry: SignedEntry,
})
export type BoardRecord = z.infer<typeof BoardRecord>

/**
 * The fields of a record that publishing reads. `bench leaderboard add` validated every entry in
 * full; publishing re-checks only what it renders (about 2.5× faster on 10,000 entries), and
 * re-checks every signature when given a keyring.
 */
export const PublishedRecord = z.looseObject({
  record_version: z.literal(1),
  entry_id: z.string(),
  status: EntryStatus,
  entry: z.looseObject({
    benchmark: z.string(),
    scale: z.string(),
    track: z.string(),
    created_at: z.string(),
    submitter: z.looseObject({name: z.string()}),
    method: z.looseObject({name: z.string(), description: z.string(), link: z.string().optional()}),
    data: z.looseObject({subset_size: z.number()}),
    eval: z.looseObject({suite: z.string(), tasks: z.record(z.string(), z.number()), aggregates: z.record(z.string(), z.number())}),
  }),
})
export type RerunRecord = z.infer<typeof RerunRecord>

export function entriesFile(boardDir: string): string {
  return join(boardDir, ENTRIES_FILE)
}

export interface ReadBoardOptions {
  /** `full` (default): every record against BoardRecord; `publish`: the fields publishing reads. */
  validate?: 'full' | 'publish'
}

/** Reads a board's records; a missing board folder or file is an empty board only if `allowMissing`. */
export async function readBoard(boardDir: string, options: ReadBoardOptions & {allowMissing?: boolean} = {}): Promise<BoardRecord[]> {
  return (await readBoardText(boardDir, options)).records
}

/** Reads a board's records and the file's text. */
export async function readBoardText(boardDir: string, options: ReadBoardOptions & {allowMissing?: boolean} = {}): Promise<{file: string; text: string; records: BoardRecord[]}> {
  const file = entriesFile(boardDir)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && options.allowMissing) return {file, text: '', records: []}
    throw new DcbError('DCB_BOARD', `${file}: ${code === 'ENOENT' ? 'no board here (no entries.jsonl)' : `cannot read (${code})`}`, {
      suggestions: code === 'ENOENT' ? ["'bench leaderboard add ENTRY --board DIR' creates a board"] : [],
    })
  }
  return {file, text, records: parseBoard(text, file, options.validate ?? 'full')}
}

export function parseBoard(text: string, file: string, validate: 'full' | 'publish' = 'full'): BoardRecord[] {
  const schema = validate === 'full' ? BoardRecord : PublishedRecord
  const records: BoardRecord[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    if (line.trim() === '') continue
    let raw: unknown
    try {
      raw = JSON.parse(line)
    } catch (error) {
      throw new DcbError('DCB_BOARD', `${file}:${i + 1}: not valid JSON (${(error as Error).message})`)
    }
    const parsed = schema.safeParse(raw)
    if (!parsed.success) throw new DcbError('DCB_BOARD', `${file}:${i + 1}: ${describeZodError(parsed.error)}`)
    // The publish schema only checks; keep the record as parsed so nothing is dropped.
    records.push((validate === 'full' ? parsed.data : raw) as BoardRecord)
  }
  return records
}

export function serialiseBoard(records: readonly BoardRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('')
}

export interface LockOptions {
  /** How long to keep retrying to get the lock, in ms (default 60 s). */
  waitMs?: number
}

/**
 * Runs `update` with the board locked: it receives the current records and returns the new list (or
 * undefined to leave the board unchanged), which replaces entries.jsonl atomically.
 */
export async function updateBoard<T>(
  boardDir: string,
  update: (records: BoardRecord[]) => Promise<{records?: BoardRecord[]; result: T}> | {records?: BoardRecord[]; result: T},
  options: LockOptions = {},
): Promise<T> {
  try {
    await mkdir(boardDir, {recursive: true})
  } catch (error) {
    throw new DcbError('DCB_BOARD', `${boardDir}: cannot create the board folder (${(error as NodeJS.ErrnoException).code})`)
  }
  const file = entriesFile(boardDir)
  const waitMs = options.waitMs ?? 60_000
  let release: () => Promise<void>
  try {
    release = await lockfile.lock(file, {
      realpath: false,
      // A holder refreshes the lock's mtime every stale/2 ms; a lock untouched for 10 s is from a dead process.
      stale: 10_000,
      retries: {retries: Math.ceil(waitMs / 100), minTimeout: 20, maxTimeout: 100, factor: 1.3, randomize: true},
    })
  } catch (error) {
    throw new DcbError('DCB_BOARD_LOCKED', `${file}: another process holds the board lock (${file}.lock) for more than ${waitMs / 1000} s`, {
      cause: error,
      suggestions: ['retry when the other add finishes; if no bench process is running, remove the stale .lock folder'],
    })
  }
  try {
    const current = await readBoard(boardDir, {allowMissing: true})
    const {records, result} = await update(current)
    if (records) await writeFileAtomic(file, serialiseBoard(records))
    return result
  } finally {
    await release()
  }
}
