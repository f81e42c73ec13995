import {randomBytes} from 'node:crypto'
import {mkdir, rename, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DcbError} from '../../errors.js'
import {addEntry, type AddEntryOptions, type AddEntryResult} from '../add-entry.js'
import {verifyEntry, type FileChecker, type VerifyEntryOptions, type VerifyReport} from '../verify-entry.js'
import {evalChecker, externalModelChecker, runChecker} from '../verify-files.js'
import type {ProgressListener} from '../../ui/progress.js'
import type {SuiteResolver} from '../suites.js'
import {BUNDLE_MANIFEST, BUNDLE_RUN_DIR} from './format.js'
import {unpackBundle, type UnpackedBundle} from './unpack-bundle.js'

/** Where a board keeps the bundles of its entries: BOARD/bundles/<entry id>/ (run/model/ is what an organizer re-evaluates). */
export const BOARD_BUNDLES_DIR = 'bundles'

/**
 * The checks that tie an unpacked bundle's files to its signed entry: its run.json and model folder
 * (a dcbench run), or its model folder alone (an external checkpoint, whose bundle has no run.json).
 */
export function bundleChecks(unpacked: UnpackedBundle, suites: SuiteResolver): FileChecker[] {
  const hasRun = `${BUNDLE_RUN_DIR}/run.json` in unpacked.manifest.files
  const origin: FileChecker = async (entry) => {
    if (entry.run === null) {
      if (hasRun) return [{name: 'run', ok: false, detail: `${BUNDLE_RUN_DIR}/run.json: the entry reports an external checkpoint (run: null), but the bundle carries a run manifest`}]
      return externalModelChecker(join(unpacked.runDir, 'model'))(entry)
    }
    if (!hasRun) return [{name: 'run', ok: false, detail: `${BUNDLE_MANIFEST}: lists no ${BUNDLE_RUN_DIR}/run.json, but the entry reports a dcbench run`}]
    return runChecker(unpacked.runDir)(entry)
  }
  return [origin, evalChecker(unpacked.evalFile, suites)]
}

export interface AddBundleOptions extends Omit<AddEntryOptions, 'entryFile' | 'fileChecks' | 'beforeAdd'> {
  bundle: string
  /** Bytes unpacked so far. */
  onProgress?: ProgressListener
}

export interface AddBundleResult extends AddEntryResult {
  /** The folder the bundle's files now live in on the board. */
  bundleDir: string
}

/**
 * `bench leaderboard add --bundle`: unpacks a submission bundle safely (unpack-bundle.ts) beside the
 * board's bundles, runs every check of `addEntry` plus the checks that its run.json, model files and
 * eval output are the ones the signed entry names, then moves it to BOARD/bundles/<entry id>/ and
 * adds the entry. A refused bundle leaves nothing behind.
 */
export async function addBundle(options: AddBundleOptions): Promise<AddBundleResult> {
  const bundlesDir = join(options.boardDir, BOARD_BUNDLES_DIR)
  await mkdir(bundlesDir, {recursive: true})
  const incoming = join(bundlesDir, `.incoming-${process.pid}-${randomBytes(4).toString('hex')}.partial`)
  const unpacked = await unpackBundle(options.bundle, incoming, options.onProgress)
  let bundleDir = ''
  try {
    const result = await addEntry({
      ...options,
      entryFile: unpacked.entryFile,
      fileChecks: bundleChecks(unpacked, options.suites),
      beforeAdd: async (entryId) => {
        if (entryId !== unpacked.manifest.entry_id) {
          throw new DcbError('DCB_BUNDLE_INVALID', `${options.bundle}: bundle.json names entry ${unpacked.manifest.entry_id.slice(0, 12)}…, its entry.json is ${entryId.slice(0, 12)}…`)
        }
        bundleDir = join(bundlesDir, entryId)
        // A folder of this name was moved here whole after the same checks: it holds these files.
        if (await exists(bundleDir)) return {undo: async () => {}}
        await rename(incoming, bundleDir)
        return {undo: () => rm(bundleDir, {recursive: true, force: true})}
      },
    })
    return {...result, bundleDir}
  } catch (error) {
    throw namingBundle(error, incoming, options.bundle)
  } finally {
    await rm(incoming, {recursive: true, force: true})
  }
}

/** A refusal that names the files of the bundle (`B.tar:run/model/x`), not the folder they were unpacked into. */
function namingBundle(error: unknown, dir: string, bundle: string): unknown {
  if (!(error instanceof DcbError) || !error.message.includes(dir)) return error
  return new DcbError(error.code, error.message.replaceAll(`${dir}/`, `${bundle}:`), {suggestions: error.suggestions, cause: error.cause})
}

/** Options of verifyEntry; `fileChecks` adds to the bundle's own (a pool index, say). */
export interface VerifyBundleOptions extends Omit<VerifyEntryOptions, 'entry'> {
  bundle: string
  /** Where to unpack it for the checks (default: the system's temporary folder); removed afterwards. */
  workDir?: string
  onProgress?: ProgressListener
}

/** `bench verify --bundle`: every check of verifyEntry on the bundle's entry and the files it carries. */
export async function verifyBundle(options: VerifyBundleOptions): Promise<VerifyReport> {
  const dir = join(options.workDir ?? tmpdir(), `dcbench-bundle-${process.pid}-${randomBytes(4).toString('hex')}`)
  const unpacked = await unpackBundle(options.bundle, dir, options.onProgress)
  try {
    const report = await verifyEntry({...options, entry: unpacked.entryFile, fileChecks: [...bundleChecks(unpacked, options.suites), ...(options.fileChecks ?? [])]})
    if (report.entryId !== undefined && report.entryId !== unpacked.manifest.entry_id) {
      report.checks.push({name: 'bundle', ok: false, detail: `bundle.json names entry ${unpacked.manifest.entry_id.slice(0, 12)}…, its entry.json is ${report.entryId.slice(0, 12)}…`})
      report.ok = false
    }
    const inBundle = (text: string): string => text.replaceAll(`${dir}/`, `${options.bundle}:`)
    return {...report, file: options.bundle, checks: report.checks.map((check) => ({...check, detail: inBundle(check.detail)}))}
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
