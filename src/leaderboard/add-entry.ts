import {join} from 'node:path'

import {DcbError} from '../errors.js'
import {BOARD_KEYRING_DIR, updateBoard, type BoardRecord, type RerunRecord} from './board.js'
import {entryOrigin, type SignedEntry} from './entry-schema.js'
import {loadKeyring} from './keyring.js'
import type {SuiteResolver} from './suites.js'
import {assertVerified, verifyEntry, type VerifyReport} from './verify-entry.js'

/**
 * How far an organizer re-run's headline may be from the submitted one and still confirm it.
 * DataComp's README: changing the seed moves the 38-task average by up to 0.006 [verified, datacomp
 * spec §1]. DCLM states no such number; the same default is dcbench's choice there.
 */
export const DEFAULT_RERUN_TOLERANCE = 0.006

export interface AddEntryOptions {
  entryFile: string
  boardDir: string
  /** Trusted keys; defaults to BOARD/keyring. */
  keyringDir?: string
  /** The organizer's own signed entry for a re-run of the same subset: marks the entry verified. */
  rerunFile?: string
  /** Largest |submitted − re-run| headline difference that still confirms (default 0.006). */
  tolerance?: number
  suites: SuiteResolver
  tracksDir?: string
  now?: () => Date
  /** How long to wait for the board lock (ms). */
  lockWaitMs?: number
}

export interface AddEntryResult {
  entryId: string
  status: BoardRecord['status']
  /** `added`, or `upgraded` when a re-run verified an entry already on the board. */
  action: 'added' | 'upgraded'
  board: {benchmark: string; scale: string; track: string}
  records: number
  report: VerifyReport
}

/**
 * Verifies an entry and appends it to a board under the board lock. Refuses entries that fail
 * verification, and duplicates: the same signed entry, or another entry for the same training run
 * (run manifest hash) on the same board. With a re-run from an organizer key whose headline agrees
 * within the tolerance, the entry is marked verified (also when it is already on the board).
 */
export async function addEntry(options: AddEntryOptions): Promise<AddEntryResult> {
  const keyring = await loadKeyring(options.keyringDir ?? join(options.boardDir, BOARD_KEYRING_DIR))
  const report = await verifyEntry({entry: options.entryFile, keyring, suites: options.suites, tracksDir: options.tracksDir})
  assertVerified(report)
  const entry = report.entry
  const now = options.now ?? (() => new Date())

  let rerun: RerunRecord | undefined
  if (options.rerunFile) {
    const rerunReport = await verifyEntry({entry: options.rerunFile, keyring, suites: options.suites, tracksDir: options.tracksDir})
    assertVerified(rerunReport)
    rerun = checkRerun(entry, rerunReport, options, now())
  }

  return updateBoard<AddEntryResult>(
    options.boardDir,
    (records) => {
      const boardKey = {benchmark: entry.benchmark, scale: entry.scale, track: entry.track}
      const same = records.find((r) => r.entry_id === report.entryId)
      const origin = entryOrigin(entry)
      const sameRun = records.find(
        (r) =>
          entryOrigin(r.entry).sha256 === origin.sha256 &&
          r.entry.benchmark === entry.benchmark &&
          r.entry.scale === entry.scale &&
          r.entry.track === entry.track,
      )
      const existing = same ?? sameRun
      if (existing) {
        if (rerun && same && existing.status === 'self-reported') {
          const upgraded: BoardRecord = {...existing, status: 'verified', rerun}
          return {
            records: records.map((r) => (r === existing ? upgraded : r)),
            result: {entryId: report.entryId, status: 'verified', action: 'upgraded', board: boardKey, records: records.length, report},
          }
        }
        const what = same ? `this entry (${report.entryId.slice(0, 12)}…) is already on the board` : `entry ${existing.entry_id.slice(0, 12)}… by '${existing.signer.name}' already reports the same ${origin.kind === 'run' ? `run (run.manifest_sha256 ${origin.sha256.slice(0, 12)}…)` : `external model (external_model.model_json_sha256 ${origin.sha256.slice(0, 12)}…)`}`
        throw new DcbError('DCB_ENTRY_DUPLICATE', `${options.entryFile}: rejected: duplicate: ${what}, added ${existing.added_at}`)
      }
      const record: BoardRecord = {
        record_version: 1,
        entry_id: report.entryId,
        added_at: now().toISOString(),
        status: rerun ? 'verified' : 'self-reported',
        signer: {key_id: report.signer.keyId, name: report.signer.name},
        ...(rerun ? {rerun} : {}),
        entry,
      }
      return {
        records: [...records, record],
        result: {entryId: report.entryId, status: record.status, action: 'added', board: boardKey, records: records.length + 1, report},
      }
    },
    {waitMs: options.lockWaitMs},
  )
}

/** An organizer re-run confirms an entry when it trained on the same data with the same recipe and scored alike. */
function checkRerun(entry: SignedEntry, rerunReport: VerifyReport & {entry: SignedEntry; entryId: string; signer: NonNullable<VerifyReport['signer']>}, options: AddEntryOptions, now: Date): RerunRecord {
  const rerun = rerunReport.entry
  const fail = (why: string): never => {
    throw new DcbError('DCB_RERUN_REJECTED', `${options.rerunFile}: the re-run does not confirm ${options.entryFile}: ${why}`)
  }
  if (rerunReport.signer.role !== 'organizer') {
    fail(`it is signed by '${rerunReport.signer.name}', which is not an organizer key (keyring organizers/ folder)`)
  }
  for (const field of ['benchmark', 'scale', 'track', 'recipe_hash'] as const) {
    if (rerun[field] !== entry[field]) fail(`${field}: re-run has '${rerun[field]}', entry has '${entry[field]}'`)
  }
  for (const field of ['subset_fingerprint', 'subset_size', 'pool_index_sha256'] as const) {
    if (rerun.data[field] !== entry.data[field]) fail(`data.${field}: re-run has ${rerun.data[field]}, entry has ${entry.data[field]}`)
  }
  if (!rerun.run) fail('it reports an external model; a re-run is the organizer\'s own dcbench training run')
  if (entryOrigin(rerun).sha256 === entryOrigin(entry).sha256) fail('it reports the same run as the entry; a re-run is the organizer\'s own training run')
  const headlineName = headlineOf(entry)
  const submitted = entry.eval.aggregates[headlineName]
  const again = rerun.eval.aggregates[headlineName]
  if (submitted === undefined || again === undefined) fail(`no ${headlineName} aggregate to compare`)
  const tolerance = options.tolerance ?? DEFAULT_RERUN_TOLERANCE
  const difference = (again as number) - (submitted as number)
  if (Math.abs(difference) > tolerance) {
    fail(`${headlineName}: submitted ${submitted}, re-run ${again}; |difference| ${Math.abs(difference).toFixed(6)} > tolerance ${tolerance}`)
  }
  return {
    entry_id: rerunReport.entryId,
    key_id: rerunReport.signer.keyId,
    signer: rerunReport.signer.name,
    headline: {name: headlineName, submitted: submitted as number, rerun: again as number, difference},
    tolerance,
    added_at: now.toISOString(),
  }

  function headlineOf(e: SignedEntry): string {
    const suite = options.suites(e.eval.suite)
    if (!suite) fail(`unknown suite ${e.eval.suite}`)
    return (suite as NonNullable<typeof suite>).headline
  }
}
