import {copyFile, mkdir, readdir, rename, rm, stat, writeFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'

import {DcbError} from '../../errors.js'
import type {ProgressListener} from '../../ui/progress.js'
import {tempPathFor} from '../../util/atomic-write.js'
import {harnessVersion} from '../../util/paths.js'
import {readBoardText, type BoardRecord} from '../board.js'
import {contaminationRecordProblem} from '../contamination-record.js'
import type {Keyring} from '../keyring.js'
import {rankBoards, type RankedBoard} from '../rank.js'
import {checkSignatures, entryId} from '../signing.js'
import type {SuiteResolver} from '../suites.js'
import {htmlAssets, renderHtml} from './render-html.js'
import {EMPTY_CSV_FILE, renderCsv, renderMarkdown} from './render-tables.js'

export const PUBLISH_FORMATS = ['html', 'md', 'csv', 'json'] as const
export type PublishFormat = (typeof PUBLISH_FORMATS)[number]

/** Marks a folder as written by `bench leaderboard publish`, so a re-publish may replace it. */
export const SITE_MARKER = '.dcbench-site'
export const LEADERBOARD_JSON_FORMAT = 'dcbench-leaderboard'

export interface PublishOptions {
  boardDir: string
  outDir: string
  formats?: readonly PublishFormat[]
  suites: SuiteResolver
  /** When given, every entry's signature is checked again before publishing. */
  keyring?: Keyring
  now?: () => Date
  title?: string
  onProgress?: ProgressListener
}

export interface PublishResult {
  outDir: string
  /** Site-relative paths of the files written. */
  files: string[]
  boards: {id: string; entries: number; headline: string; leader?: string}[]
  entries: number
  signaturesChecked: number
}

/**
 * Publishes a board folder as a static site: per benchmark/scale/track boards ranked by the official
 * headline, as HTML (sortable tables, score-vs-size and per-task heatmap plots), Markdown, CSV and
 * JSON (with every signed entry, so anyone can re-verify). The site is built in a temporary folder
 * and swapped in whole: a failed publish leaves the previous site untouched.
 */
export async function publishBoard(options: PublishOptions): Promise<PublishResult> {
  const formats = options.formats ?? PUBLISH_FORMATS
  const now = (options.now ?? (() => new Date()))()
  const {file, text, records} = await readBoardText(options.boardDir, {validate: 'publish'})
  options.onProgress?.({done: 0, total: records.length, detail: 'read'})

  let signaturesChecked = 0
  if (options.keyring) {
    const checks = await checkSignatures(records.map((r) => r.entry as unknown as Record<string, unknown>), options.keyring)
    checks.forEach((check, i) => {
      if (!check.ok) {
        const record = records[i] as BoardRecord
        throw new DcbError('DCB_ENTRY_REJECTED', `${file}:${lineOf(text, i)}: entry ${record.entry_id.slice(0, 12)}… no longer verifies: ${check.reason}`)
      }
    })
    signaturesChecked = checks.length
    records.forEach((record, i) => {
      const problem = contaminationRecordProblem(record, options.keyring as Keyring)
      if (problem) throw new DcbError('DCB_ENTRY_REJECTED', `${file}:${lineOf(text, i)}: entry ${record.entry_id.slice(0, 12)}…: ${problem}`)
    })
  }
  checkRecordsAgainstEntries(records, file, text)

  const boards = rankBoards(records, options.suites)
  const outDir = resolve(options.outDir)
  await assertReplaceable(outDir)
  await mkdir(dirname(outDir), {recursive: true})
  const temp = tempPathFor(outDir)
  const files: string[] = []
  const put = async (path: string, content: string): Promise<void> => {
    await mkdir(dirname(join(temp, path)), {recursive: true})
    await writeFile(join(temp, path), content)
    files.push(path)
  }
  try {
    await mkdir(temp, {recursive: true})
    await writeFile(join(temp, SITE_MARKER), `written by dcbench ${harnessVersion()} (bench leaderboard publish); replaced whole on every publish\n`)
    const generatedAt = now.toISOString()
    const downloads: {label: string; href: string}[] = []
    if (formats.includes('json')) {
      await put('leaderboard.json', `${JSON.stringify(leaderboardJson(boards, generatedAt), null, 1)}\n`)
      // The board file itself: every record with its signed entry, for anyone to re-verify.
      await put('entries.jsonl', text)
      downloads.push({label: 'leaderboard.json', href: 'leaderboard.json'}, {label: 'signed entries (entries.jsonl)', href: 'entries.jsonl'})
    }
    if (formats.includes('md')) {
      await put('leaderboard.md', renderMarkdown(boards, generatedAt))
      downloads.push({label: 'Markdown', href: 'leaderboard.md'})
    }
    if (formats.includes('csv')) {
      for (const board of boards) await put(`csv/${board.id}.csv`, renderCsv(board))
      // an empty board still publishes a CSV: its header, so scripts that read it find no rows, not no file
      if (boards.length === 0) await put(`csv/${EMPTY_CSV_FILE}`, renderCsv(undefined))
    }
    options.onProgress?.({done: records.length, total: records.length, detail: 'rendered'})
    if (formats.includes('html')) {
      await put('index.html', await renderHtml({boards, generatedAt, version: harnessVersion(), entryCount: records.length, downloads, title: options.title}))
      for (const [path, source] of Object.entries(htmlAssets())) {
        await mkdir(dirname(join(temp, path)), {recursive: true})
        await copyFile(source, join(temp, path))
        files.push(path)
      }
    }
    await swapIn(temp, outDir)
  } catch (error) {
    await rm(temp, {recursive: true, force: true})
    throw error
  }
  return {
    outDir,
    files: files.sort(),
    boards: boards.map((b) => ({id: b.id, entries: b.rows.length, headline: b.headline, ...(b.rows[0] ? {leader: b.rows[0].method} : {})})),
    entries: records.length,
    signaturesChecked,
  }
}

/**
 * What a board line says about its entry must be true of the entry: its id is the entry's, and
 * `verified` names the organizer re-run behind it. A line edited by hand is refused, not published.
 */
function checkRecordsAgainstEntries(records: readonly BoardRecord[], file: string, text: string): void {
  records.forEach((record, i) => {
    if (entryId(record.entry) !== record.entry_id) {
      throw new DcbError('DCB_BOARD', `${file}:${lineOf(text, i)}: entry_id ${record.entry_id.slice(0, 16)}… is not the id of the entry on this line (the board file was edited)`)
    }
    if (record.status === 'verified' && !record.rerun) {
      throw new DcbError('DCB_BOARD', `${file}:${lineOf(text, i)}: status 'verified' without the organizer re-run that verified it (the board file was edited)`)
    }
  })
}

/** The 1-based line of the index-th record (records are the non-empty lines). */
function lineOf(text: string, index: number): number {
  let seen = -1
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if ((lines[i] as string).trim() !== '' && ++seen === index) return i + 1
  }
  return index + 1
}

/** The machine-readable board file: every board, ranked, with every aggregate and task score. */
export function leaderboardJson(boards: readonly RankedBoard[], generatedAt: string): Record<string, unknown> {
  return {format: LEADERBOARD_JSON_FORMAT, format_version: 1, generated_at: generatedAt, harness_version: harnessVersion(), boards}
}

/** Refuses to replace a folder that a publish did not write (it would be deleted). */
async function assertReplaceable(outDir: string): Promise<void> {
  let names: string[]
  try {
    names = await readdir(outDir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return
    throw new DcbError('DCB_SITE_DIR', `${outDir}: ${code === 'ENOTDIR' ? 'exists and is not a folder' : `cannot read (${code})`}`)
  }
  if (names.length > 0 && !names.includes(SITE_MARKER)) {
    throw new DcbError('DCB_SITE_DIR', `${outDir}: not empty and not a published site (no ${SITE_MARKER}); refusing to replace it`, {
      suggestions: ['choose an empty or new --out folder'],
    })
  }
}

/** Replaces `target` with `source` (two renames; the old site is removed after the new one is in place). */
async function swapIn(source: string, target: string): Promise<void> {
  const exists = await stat(target).then(
    () => true,
    () => false,
  )
  if (!exists) {
    await rename(source, target)
    return
  }
  const old = tempPathFor(target)
  await rename(target, old)
  try {
    await rename(source, target)
  } catch (error) {
    await rename(old, target)
    throw error
  }
  await rm(old, {recursive: true, force: true})
}
