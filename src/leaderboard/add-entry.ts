import {join} from 'node:path'

import {DcbError} from '../errors.js'
import {fileSha256} from '../util/file-sha256.js'
import {BOARD_KEYRING_DIR, BOARD_RECORD_VERSION, updateBoard, type BoardRecord, type ReevalRecord, type RerunRecord} from './board.js'
import {compareScores, toleranceFactor} from './compare-scores.js'
import {entryOrigin, isBound, type BoundEntry, type SignedEntry} from './entry-schema.js'
import {loadKeyring} from './keyring.js'
import type {SuiteResolver, SuiteScoring} from './suites.js'
import {assertVerified, verifyEntry, type FileChecker, type VerifyReport} from './verify-entry.js'

export interface AddEntryOptions {
  entryFile: string
  boardDir: string
  /** Trusted keys; defaults to BOARD/keyring. */
  keyringDir?: string
  /** The organizer's own signed entry for a re-run of the same subset: marks the entry verified. */
  rerunFile?: string
  /**
   * The organizer's eval output of the submitted model folder (all tasks, or a sample drawn after
   * submission): marks the entry re-evaluated.
   */
  reevalFile?: string
  /** A factor on the default agreement bounds (compare-scores.ts): below 1 tightens, at most 2 (default 1). */
  tolerance?: number
  suites: SuiteResolver
  tracksDir?: string
  now?: () => Date
  /** How long to wait for the board lock (ms). */
  lockWaitMs?: number
  /** Checks against the files the entry names (verify-files.ts); every one must pass. */
  fileChecks?: FileChecker[]
  /**
   * Runs after every check passed and before the board is written (a bundle moves its files into
   * the board here, so a board line never names files that are not there yet); `undo` runs when
   * the board then refuses the entry.
   */
  beforeAdd?: (entryId: string) => Promise<{undo: () => Promise<void>}>
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
 * task by task, the entry is marked verified; with the organizer's evaluation of the submitted model
 * folder, re-evaluated (also when it is already on the board). A new entry must be bound to its model
 * (format version 2).
 */
export async function addEntry(options: AddEntryOptions): Promise<AddEntryResult> {
  const factor = toleranceFactor(options.tolerance)
  const keyring = await loadKeyring(options.keyringDir ?? join(options.boardDir, BOARD_KEYRING_DIR))
  const report = await verifyEntry({entry: options.entryFile, keyring, suites: options.suites, tracksDir: options.tracksDir, fileChecks: options.fileChecks})
  assertVerified(report)
  const entry = report.entry
  const now = options.now ?? (() => new Date())

  let rerun: RerunRecord | undefined
  if (options.rerunFile) {
    const rerunReport = await verifyEntry({entry: options.rerunFile, keyring, suites: options.suites, tracksDir: options.tracksDir})
    assertVerified(rerunReport)
    rerun = checkRerun(entry, rerunReport, options, factor, now())
  }
  const reeval = options.reevalFile === undefined ? undefined : await checkReevaluation(entry, options.reevalFile, options, factor, now())
  const prepared = await options.beforeAdd?.(report.entryId)
  try {
    return await writeToBoard(options, report, rerun, reeval, now)
  } catch (error) {
    await prepared?.undo()
    throw error
  }
}

function writeToBoard(options: AddEntryOptions, report: Verified, rerun: RerunRecord | undefined, reeval: ReevalRecord | undefined, now: () => Date): Promise<AddEntryResult> {
  const entry = report.entry
  return updateBoard<AddEntryResult>(
    options.boardDir,
    (records) => {
      const rerunUser = rerun && records.find((r) => r.rerun?.entry_id === rerun.entry_id && r.entry_id !== report.entryId)
      if (rerunUser) {
        throw new DcbError('DCB_RERUN_REJECTED', `${options.rerunFile}: this re-run already verified entry ${rerunUser.entry_id.slice(0, 12)}…; a re-run verifies one entry`)
      }
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
        const upgraded = same && upgrade(existing, rerun, reeval)
        if (upgraded) {
          return {
            records: records.map((r) => (r === existing ? upgraded : r)),
            result: {entryId: report.entryId, status: upgraded.status, action: 'upgraded', board: boardKey, records: records.length, report},
          }
        }
        const what = same ? `this entry (${report.entryId.slice(0, 12)}…) is already on the board` : `entry ${existing.entry_id.slice(0, 12)}… by '${existing.signer.name}' already reports the same ${origin.kind === 'run' ? 'run' : 'external checkpoint model'} (${origin.field} ${origin.sha256.slice(0, 12)}…)`
        throw new DcbError('DCB_ENTRY_DUPLICATE', `${options.entryFile}: rejected: duplicate: ${what}, added ${existing.added_at}`)
      }
      if (!isBound(entry)) {
        throw new DcbError('DCB_ENTRY_REJECTED', `${options.entryFile}: rejected: entry format version 1 is not bound to a model; submit it again with this dcbench ('bench submit')`)
      }
      const record: BoardRecord = {
        record_version: BOARD_RECORD_VERSION,
        entry_id: report.entryId,
        added_at: now().toISOString(),
        status: rerun ? 'verified' : reeval ? 're-evaluated' : 'self-reported',
        signer: {key_id: report.signer.keyId, name: report.signer.name},
        ...(rerun ? {rerun} : {}),
        ...(reeval ? {reeval} : {}),
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

/** The record with a new re-run or re-evaluation, when it raises the entry's status; undefined otherwise. */
function upgrade(record: BoardRecord, rerun: RerunRecord | undefined, reeval: ReevalRecord | undefined): BoardRecord | undefined {
  const rank = {'self-reported': 0, 're-evaluated': 1, verified: 2}
  const status = rerun ? 'verified' : reeval ? 're-evaluated' : undefined
  if (!status || rank[status] <= rank[record.status]) return undefined
  return {...record, record_version: BOARD_RECORD_VERSION, status, ...(rerun ? {rerun} : {}), ...(reeval ? {reeval} : {})}
}

/**
 * An organizer re-run confirms an entry when it trained on the same data with the same recipe and
 * every task (and the headline) scored alike within the bounds of compare-scores.ts.
 */
function checkRerun(entry: SignedEntry, rerunReport: Verified, options: AddEntryOptions, factor: number, now: Date): RerunRecord {
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
  if (!rerun.run) fail("it reports an external checkpoint (run: null); a re-run is the organizer's own dcbench training run")
  if (entryOrigin(rerun).sha256 === entryOrigin(entry).sha256) fail("it reports the same run as the entry; a re-run is the organizer's own training run")
  const suite = suiteOf(entry, options)
  const submitted = entry.eval.aggregates[suite.headline]
  const again = rerun.eval.aggregates[suite.headline]
  if (submitted === undefined || again === undefined) fail(`no ${suite.headline} aggregate to compare`)
  const comparison = compareScores({submitted: entry.eval.tasks, again: rerun.eval.tasks, suite, factor, headline: {submitted: submitted as number, again: again as number}})
  if (comparison.compared < suite.tasks.length) fail(`it scores ${comparison.compared} of the suite's ${suite.tasks.length} tasks; a re-run scores them all`)
  if (comparison.problems.length > 0) fail(`${comparison.problems[0]}${comparison.problems.length > 1 ? ` (+${comparison.problems.length - 1} more)` : ''}`)
  return {
    entry_id: rerunReport.entryId,
    key_id: rerunReport.signer.keyId,
    signer: rerunReport.signer.name,
    headline: {name: suite.headline, submitted: submitted as number, rerun: again as number, difference: (again as number) - (submitted as number)},
    tasks_compared: comparison.compared,
    ...(comparison.closest ? {closest_task: comparison.closest} : {}),
    tolerance: factor,
    added_at: now.toISOString(),
  }
}

/**
 * An organizer's evaluation confirms an entry when it evaluated the very model folder the entry
 * names (its eval output records the model hash) and every task it scored agrees within the bounds.
 */
async function checkReevaluation(entry: SignedEntry, reevalFile: string, options: AddEntryOptions, factor: number, now: Date): Promise<ReevalRecord> {
  const fail = (why: string): never => {
    throw new DcbError('DCB_REEVAL_REJECTED', `${reevalFile}: the re-evaluation does not confirm ${options.entryFile}: ${why}`)
  }
  if (!isBound(entry)) fail('the entry names no model (format version 1), so no evaluation can be of its model')
  const bound = entry as BoundEntry
  const suite = suiteOf(entry, options)
  const evaluated = await suite.readModelHash(reevalFile)
  if (evaluated !== bound.model.sha256) {
    fail(`it evaluated ${evaluated === undefined ? 'a model it does not name' : `model ${evaluated.slice(0, 16)}…`}, the entry's model is ${bound.model.sha256.slice(0, 16)}…`)
  }
  const again = await suite.readResults(reevalFile)
  const comparison = compareScores({submitted: entry.eval.tasks, again, suite, factor})
  if (comparison.compared === 0) fail('it scores none of the entry\'s tasks')
  if (comparison.problems.length > 0) fail(`${comparison.problems[0]}${comparison.problems.length > 1 ? ` (+${comparison.problems.length - 1} more)` : ''}`)
  return {
    results_sha256: await fileSha256(reevalFile),
    model_sha256: bound.model.sha256,
    tasks: Object.keys(again).filter((task) => task in entry.eval.tasks),
    ...(comparison.closest ? {closest_task: comparison.closest} : {}),
    tolerance: factor,
    added_at: now.toISOString(),
  }
}

type Verified = VerifyReport & {entry: SignedEntry; entryId: string; signer: NonNullable<VerifyReport['signer']>}

function suiteOf(entry: SignedEntry, options: AddEntryOptions): SuiteScoring {
  const suite = options.suites(entry.eval.suite)
  if (!suite) throw new DcbError('DCB_UNKNOWN_SUITE', `${options.entryFile}: eval.suite '${entry.eval.suite}' is not a suite this dcbench scores`)
  return suite
}
