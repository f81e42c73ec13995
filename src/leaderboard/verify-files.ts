import {createReadStream} from 'node:fs'
import {readFile, stat} from 'node:fs/promises'
import {createHash} from 'node:crypto'
import {join} from 'node:path'

import {DcbError} from '../errors.js'
import {canonicalHash} from '../util/canonical-json.js'
import type {SignedEntry} from './entry-schema.js'
import type {SuiteResolver} from './suites.js'
import type {Check, FileChecker} from './verify-entry.js'

/** sha256 (hex) of a file's bytes, streamed. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new DcbError('DCB_FILE', `${file}: ${code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, expected a file' : `cannot read (${code})`}`)
  }
  return hash.digest('hex')
}

/** `RUN/run.json` of a run folder (or the file itself). */
export async function runManifestPath(run: string): Promise<string> {
  const info = await stat(run).catch(() => undefined)
  if (!info) throw new DcbError('DCB_RUN_DIR', `${run}: not found`)
  return info.isDirectory() ? join(run, 'run.json') : run
}

/** Reads run.json as a JSON object. */
export async function readRunManifest(run: string): Promise<{file: string; manifest: Record<string, unknown>}> {
  const file = await runManifestPath(run)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new DcbError('DCB_RUN_DIR', `${file}: ${code === 'ENOENT' ? 'no run.json (is this a run folder written by bench train?)' : `cannot read (${code})`}`)
  }
  let manifest: unknown
  try {
    manifest = JSON.parse(text)
  } catch (error) {
    throw new DcbError('DCB_RUN_DIR', `${file}: not valid JSON (${(error as Error).message})`)
  }
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) throw new DcbError('DCB_RUN_DIR', `${file}: expected a JSON object`)
  return {file, manifest: manifest as Record<string, unknown>}
}

/** The run manifest hash an entry records: sha256 of the canonical JSON of run.json. */
export function runManifestHash(manifest: Record<string, unknown>): string {
  return canonicalHash(manifest)
}

/** Checks that a run folder is the one the entry reports. */
export function runChecker(run: string): FileChecker {
  return async (entry: SignedEntry): Promise<Check[]> => {
    const {file, manifest} = await readRunManifest(run)
    const hash = runManifestHash(manifest)
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
