import {readRunManifest, runManifestHash} from '../contracts/run-manifest.js'
import {fileSha256} from '../util/file-sha256.js'
import type {SignedEntry} from './entry-schema.js'
import type {SuiteResolver} from './suites.js'
import type {Check, FileChecker} from './verify-entry.js'

/** Checks that a run folder is the one the entry reports. */
export function runChecker(run: string): FileChecker {
  return async (entry: SignedEntry): Promise<Check[]> => {
    if (!entry.run) return [{name: 'run', ok: false, detail: `${run}: the entry reports an external model (run: null), not a dcbench run`}]
    const {file, stored} = await readRunManifest(run)
    const hash = runManifestHash(stored)
    if (hash !== entry.run.manifest_sha256) {
      return [{name: 'run', ok: false, detail: `run.manifest_sha256: ${file} hashes to ${hash.slice(0, 16)}…, the entry says ${entry.run.manifest_sha256.slice(0, 16)}… (a different or edited run)`}]
    }
    return [{name: 'run', ok: true, detail: `${file} matches run.manifest_sha256`}]
  }
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
    return [{name: 'eval', ok: true, detail: `${evalFile} matches eval.results_sha256 and every task score`}]
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
