import {mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {setImmediate} from 'node:timers/promises'

import lockfile from 'proper-lockfile'
import {z} from 'zod'

import {DcbError} from '../errors.js'
import {removeStaleTemps, tempPathFor} from '../util/atomic-write.js'
import {parseStrictJson, StrictJsonError} from '../util/strict-json.js'
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

/**
 * How far an entry's scores were checked, in increasing order: `self-reported` (signed by its
 * submitter, rules checked), `re-evaluated` (an organizer evaluated the submitted model folder — the
 * one the entry's hashes name — on all tasks or a sample drawn after submission, and the scores
 * agreed), `verified` (an organizer trained the subset again with the recipe and the scores agreed).
 */
export const EntryStatus = z.enum(['self-reported', 're-evaluated', 'verified'])
export type EntryStatus = z.infer<typeof EntryStatus>

/** The board line version this dcbench writes (2: re-runs compared per task, re-evaluations). */
export const BOARD_RECORD_VERSION = 2

const sha256 = z.string().regex(/^[0-9a-f]{64}$/)
/** The task whose difference used most of its bound. */
const ClosestTask = z.strictObject({task: z.string(), difference: z.number(), bound: z.number()})

/** An organizer re-run that confirmed an entry (version 1 lines compared the headline only, `tolerance` absolute). */
export const RerunRecord = z.strictObject({
  /** Id of the organizer's own signed entry for the re-run; it verifies this entry only. */
  entry_id: z.string(),
  /** The organizer key that signed it. */
  key_id: z.string(),
  signer: z.string(),
  /** The headline aggregate: submitted value, re-run value, and their difference. */
  headline: z.strictObject({name: z.string(), submitted: z.number(), rerun: z.number(), difference: z.number()}),
  /** Version 2: how many tasks were compared, and the closest call. */
  tasks_compared: z.int().nonnegative().optional(),
  closest_task: ClosestTask.optional(),
  /** Version 2: the tolerance factor used (1 = the default bounds); version 1: the absolute headline tolerance. */
  tolerance: z.number(),
  added_at: z.string(),
})

/** An organizer's evaluation of the submitted model folder that agreed with the entry. */
export const ReevalRecord = z.strictObject({
  /** sha256 of the organizer's eval output and of the model it evaluated (the entry's). */
  results_sha256: sha256,
  model_sha256: sha256,
  /** The tasks evaluated again: all, or a sample the organizer drew after submission. */
  tasks: z.array(z.string()).min(1),
  closest_task: ClosestTask.optional(),
  tolerance: z.number(),
  added_at: z.string(),
})

const recordFields = {
  entry_id: sha256,
  /** When the organizer added it: ranking ties break on it. */
  added_at: z.string(),
  /** The signing key and the name the board's keyring gives it (what the board shows). */
  signer: z.strictObject({key_id: z.string(), name: z.string()}),
  rerun: RerunRecord.optional(),
  /** An organizer's signed contamination check of the entry's data (contamination-record.ts). */
  contamination: ContaminationRecord.optional(),
  entry: SignedEntry,
}

/** One line of entries.jsonl (version 1 lines of older boards are still read). */
export const BoardRecord = z.discriminatedUnion('record_version', [
  z.strictObject({record_version: z.literal(BOARD_RECORD_VERSION), ...recordFields, status: EntryStatus, reeval: ReevalRecord.optional()}),
  z.strictObject({record_version: z.literal(1), ...recordFields, status: z.enum(['verified', 'self-reported'])}),
])
export type BoardRecord = z.infer<typeof BoardRecord>
export type ReevalRecord = z.infer<typeof ReevalRecord>

/**
 * The fields of a record that publishing reads. `bench leaderboard add` validated every entry in
 * full; publishing re-checks what it renders (about 2.5× faster on 10,000 entries than the full
 * schema) and that the board file was not edited around it — the entry id is the entry's, a
 * verified entry names its re-run, a link is http(s) — and every signature when given a keyring.
 */
export const PublishedRecord = z.looseObject({
  record_version: z.union([z.literal(1), z.literal(BOARD_RECORD_VERSION)]),
  entry_id: z.string().regex(/^[0-9a-f]{64}$/, 'expected the entry\'s sha256 id'),
  added_at: z.string(),
  status: EntryStatus,
  signer: z.looseObject({key_id: z.string(), name: z.string()}),
  rerun: z.looseObject({entry_id: z.string(), key_id: z.string()}).optional(),
  entry: z.looseObject({
    benchmark: z.string(),
    scale: z.string(),
    track: z.string(),
    created_at: z.string(),
    method: z.looseObject({name: z.string(), description: z.string(), link: z.url({protocol: /^https?$/, message: 'expected an http(s) URL'}).optional()}),
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

/** Parses board lines; `firstLine` is the file line number of the text's first line (for messages). */
export function parseBoard(text: string, file: string, validate: 'full' | 'publish' = 'full', firstLine = 1): BoardRecord[] {
  const schema = validate === 'full' ? BoardRecord : PublishedRecord
  const records: BoardRecord[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    if (line.trim() === '') continue
    let raw: unknown
    try {
      raw = parseStrictJson(line)
    } catch (error) {
      if (!(error instanceof StrictJsonError)) throw error
      throw new DcbError('DCB_BOARD', `${file}:${i + firstLine}: not valid JSON (${error.reason}, column ${error.column})`)
    }
    const parsed = schema.safeParse(raw)
    if (!parsed.success) throw new DcbError('DCB_BOARD', `${file}:${i + firstLine}: ${describeZodError(parsed.error)}`)
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
  /**
   * A lock whose holder has not refreshed it for this long counts as a dead process's and may be
   * taken (default 10 s; the holder refreshes every half of it). Tests shorten it.
   */
  staleMs?: number
}

/** Lines parsed (and records serialised) between two turns of the event loop, so the lock's refresh timer runs. */
const LINES_PER_TURN = 2000

/**
 * Runs `update` with the board locked: it receives the current records and returns the new list (or
 * undefined to leave the board unchanged), which replaces entries.jsonl atomically.
 *
 * Losing the lock is handled, not fatal: proper-lockfile reports a lock another process took (it
 * found ours stale) through `onCompromised`, which by default throws from a timer and kills the
 * process. Here it is recorded, checked before the new file is written and again just before the
 * rename, and turned into DCB_BOARD_LOCK_LOST with the board unchanged, no temporary file left and
 * the other process's lock untouched. Reading and serialising yield to the event loop every
 * LINES_PER_TURN lines so that a large board (100,000 entries take ~12 s to read) never starves the
 * refresh. Temporaries of killed adds are removed first (`removeStaleTemps`).
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
  let lost: Error | undefined
  let release: () => Promise<void>
  try {
    release = await lockfile.lock(file, {
      realpath: false,
      // A holder refreshes the lock's mtime every stale/2 ms; a lock untouched for this long is from a dead process.
      stale: options.staleMs ?? 10_000,
      retries: {retries: Math.ceil(waitMs / 100), minTimeout: 20, maxTimeout: 100, factor: 1.3, randomize: true},
      onCompromised: (error) => {
        lost = error
      },
    })
  } catch (error) {
    throw new DcbError('DCB_BOARD_LOCKED', `${file}: another process holds the board lock (${file}.lock) for more than ${waitMs / 1000} s`, {
      cause: error,
      suggestions: ['retry when the other add finishes; if no bench process is running, remove the stale .lock folder'],
    })
  }
  const checkLock = (): void => {
    if (!lost) return
    throw new DcbError('DCB_BOARD_LOCK_LOST', `${file}: the board lock was lost while updating (${lost.message}): another process may have taken it; the board was left as it was`, {
      cause: lost,
      suggestions: ['run the same command again'],
    })
  }
  try {
    await removeStaleTemps(file)
    const current = await readBoardYielding(file)
    checkLock()
    const {records, result} = await update(current)
    checkLock()
    if (records) await writeBoardFile(file, records, checkLock)
    return result
  } finally {
    // after a loss the lock is not ours: proper-lockfile refuses to release it (ERELEASED), as it should
    await release().catch((error: unknown) => {
      if (!lost) throw error
    })
  }
}

/** readBoard for updateBoard: the same records, parsed LINES_PER_TURN lines at a time. */
async function readBoardYielding(file: string): Promise<BoardRecord[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return []
    throw new DcbError('DCB_BOARD', `${file}: cannot read (${code})`)
  }
  const records: BoardRecord[] = []
  let line = 1
  for (let start = 0; start < text.length; ) {
    let end = start
    for (let n = 0; n < LINES_PER_TURN && end !== -1 && end < text.length; n++) end = text.indexOf('\n', end) + 1 || -1
    const slice = end === -1 ? text.slice(start) : text.slice(start, end)
    for (const record of parseBoard(slice, file, 'full', line)) records.push(record)
    line += LINES_PER_TURN
    start = end === -1 ? text.length : end
    await setImmediate()
  }
  return records
}

/** Replaces entries.jsonl: serialised LINES_PER_TURN records at a time, the lock checked before the rename. */
async function writeBoardFile(file: string, records: readonly BoardRecord[], checkLock: () => void): Promise<void> {
  const parts: string[] = []
  for (let i = 0; i < records.length; i += LINES_PER_TURN) {
    parts.push(serialiseBoard(records.slice(i, i + LINES_PER_TURN)))
    await setImmediate()
  }
  checkLock()
  const temp = tempPathFor(file)
  try {
    await writeFile(temp, parts.join(''))
    checkLock()
    await rename(temp, file)
  } catch (error) {
    await rm(temp, {force: true})
    throw error
  }
}
