import {dirname, join} from 'node:path'

import {hashModelFolder, type ModelFiles} from '../contracts/model-folder.js'
import {readAnyModelJson} from '../contracts/model-json.js'
import {readRunManifest, runManifestHash} from '../contracts/run-manifest.js'
import {isDcbError} from '../errors.js'
import {fileSha256} from '../util/file-sha256.js'
import {isBound, type BoundEntry, type SignedEntry} from './entry-schema.js'
import type {SuiteResolver} from './suites.js'
import type {Check, FileChecker} from './verify-entry.js'

/** Checks that a run folder is the one the entry reports: its run.json, and every file of its model. */
export function runChecker(run: string): FileChecker {
  return async (entry: SignedEntry): Promise<Check[]> => {
    if (!entry.run) return [{name: 'run', ok: false, detail: `${run}: the entry reports an external checkpoint (run: null), not a dcbench run; check its model folder with --model`}]
    const {file, stored} = await readRunManifest(run)
    const hash = runManifestHash(stored)
    const checks: Check[] = hash === entry.run.manifest_sha256
      ? [{name: 'run', ok: true, detail: `${file} matches run.manifest_sha256`}]
      : [{name: 'run', ok: false, detail: `run.manifest_sha256: ${file} hashes to ${hash.slice(0, 16)}…, the entry says ${entry.run.manifest_sha256.slice(0, 16)}… (a different or edited run)`}]
    if (isBound(entry)) checks.push(await modelCheck(join(dirname(file), 'model'), entry.model))
    return checks
  }
}

/**
 * Checks that a model folder `bench export` wrote is the external checkpoint's model the entry
 * reports: every file hashes to the entry's `model`, and its model.json names the checkpoint and the
 * exporting image of the entry's `external_model`.
 */
export function externalModelChecker(modelDir: string): FileChecker {
  return async (entry: SignedEntry): Promise<Check[]> => {
    if (!isBound(entry) || entry.external_model === undefined) {
      return [{name: 'model', ok: false, detail: `${modelDir}: the entry reports a dcbench run, not an external checkpoint; check its run folder with --run`}]
    }
    const checks = [await modelCheck(modelDir, entry.model)]
    checks.push(externalProvenanceCheck(modelDir, entry.external_model))
    return checks
  }
}

/** model.json's provenance (as bench export writes it) names the entry's checkpoint and exporting image. */
function externalProvenanceCheck(modelDir: string, external: NonNullable<BoundEntry['external_model']>): Check {
  let provenance: {source?: unknown; checkpoint_sha256?: unknown; exported_by?: {image_digest?: unknown}} | undefined
  try {
    provenance = readAnyModelJson(modelDir).provenance as typeof provenance
  } catch (error) {
    if (!isDcbError(error)) throw error
    return {name: 'external', ok: false, detail: error.message}
  }
  const problem =
    provenance?.source !== 'external' ? `provenance.source is ${JSON.stringify(provenance?.source ?? null)}, not "external"`
      : provenance.checkpoint_sha256 !== external.checkpoint_sha256 ? `provenance.checkpoint_sha256 ${String(provenance.checkpoint_sha256).slice(0, 16)}…, the entry's external_model says ${external.checkpoint_sha256.slice(0, 16)}…`
        : provenance.exported_by?.image_digest !== external.export_image_digest ? `provenance.exported_by.image_digest ${String(provenance.exported_by?.image_digest)}, the entry's external_model says ${external.export_image_digest}`
          : undefined
  if (problem) return {name: 'external', ok: false, detail: `${modelDir}/model.json: ${problem}`}
  return {name: 'external', ok: true, detail: `${modelDir}/model.json: exported from checkpoint ${external.checkpoint_sha256.slice(0, 16)}… by image ${external.export_image_digest.slice(0, 19)}…`}
}

/** The model folder hashes to what the entry says, file by file. */
export async function modelCheck(modelDir: string, model: ModelFiles): Promise<Check> {
  const actual = await hashModelFolder(modelDir)
  const differences = []
  for (const [path, hash] of Object.entries(model.files)) {
    const now = actual.files[path]
    if (now !== hash) differences.push(`model.files.${path}: ${modelDir}/${path} ${now === undefined ? 'is missing' : `hashes to ${now.slice(0, 16)}…`}, the entry says ${hash.slice(0, 16)}…`)
  }
  for (const path of Object.keys(actual.files)) if (!(path in model.files)) differences.push(`model.files: ${modelDir}/${path} is not named by the entry`)
  if (differences.length > 0) return {name: 'model', ok: false, detail: `${differences[0]}${differences.length > 1 ? ` (+${differences.length - 1} more)` : ''}`}
  return {name: 'model', ok: true, detail: `${modelDir} matches model.sha256 ${model.sha256.slice(0, 16)}… (${Object.keys(model.files).length} files)`}
}

/** Checks that an eval output file is the one the entry reports, and holds the same per-task scores. */
export function evalChecker(evalFile: string, suites: SuiteResolver): FileChecker {
  return async (entry: SignedEntry): Promise<Check[]> => {
    const hash = await fileSha256(evalFile)
    if (hash !== entry.eval.results_sha256) {
      return [{name: 'eval', ok: false, detail: `eval.results_sha256: ${evalFile} hashes to ${hash.slice(0, 16)}…, the entry says ${entry.eval.results_sha256.slice(0, 16)}…`}]
    }
    const suite = suites(entry.eval.suite)
    if (!suite) return [{name: 'eval', ok: false, detail: `eval.suite: unknown suite '${entry.eval.suite}'`}]
    const tasks = await suite.readResults(evalFile)
    for (const [key, value] of Object.entries(entry.eval.tasks)) {
      if (tasks[key] !== value) return [{name: 'eval', ok: false, detail: `eval.tasks.${key}: entry says ${value}, ${evalFile} has ${tasks[key]}`}]
    }
    if (isBound(entry)) {
      const evaluated = await suite.readModelHash(evalFile)
      if (evaluated !== entry.model.sha256) {
        return [{name: 'eval', ok: false, detail: `model.sha256: ${evalFile} evaluated ${evaluated === undefined ? 'a model it does not name' : `model ${evaluated.slice(0, 16)}…`}, the entry says ${entry.model.sha256.slice(0, 16)}…`}]
      }
    }
    return [{name: 'eval', ok: true, detail: `${evalFile} matches eval.results_sha256 and every task score${isBound(entry) ? ', and evaluated the entry\'s model' : ''}`}]
  }
}

/** Checks that a pool index file is the one the subset was validated against. */
export function poolIndexChecker(poolIndex: string): FileChecker {
  return async (entry: SignedEntry): Promise<Check[]> => {
    const hash = await fileSha256(poolIndex)
    if (hash !== entry.data.pool_index_sha256) {
      return [{name: 'pool', ok: false, detail: `data.pool_index_sha256: ${poolIndex} hashes to ${hash.slice(0, 16)}…, the entry says ${entry.data.pool_index_sha256?.slice(0, 16) ?? 'null'}`}]
    }
    return [{name: 'pool', ok: true, detail: `${poolIndex} matches data.pool_index_sha256`}]
  }
}
