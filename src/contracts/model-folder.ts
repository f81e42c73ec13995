import {lstat, readdir} from 'node:fs/promises'
import {join} from 'node:path'

import {z} from 'zod'

import {DcbError} from '../errors.js'
import {canonicalHash} from '../util/canonical-json.js'
import {fileSha256} from '../util/file-sha256.js'

/**
 * The identity of a model folder (`RUN/model/`, docs/contracts.md "The model hash"): the sha256 of
 * every file in it, by path relative to the folder ('/'-separated), and the model hash — the sha256
 * of the canonical JSON of that map. `bench train` records it in run.json, `bench eval` in its results,
 * `bench submit` in the entry; every later step re-hashes the files and compares.
 */

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters (a sha256)')

/** A model folder's files and hash, as run.json and entries carry them. */
export const ModelFiles = z.strictObject({
  /** sha256 of the canonical JSON of `files`. */
  sha256,
  /** Relative path → sha256 of the file's bytes. */
  files: z.record(z.string().min(1), sha256).refine((files) => Object.keys(files).length > 0, 'a model folder has at least one file'),
})
export type ModelFiles = z.infer<typeof ModelFiles>

/** Most files a model folder may hold (a model is a handful of graphs, a tokenizer and metadata). */
export const MAX_MODEL_FILES = 1000

/** The model hash of a file map. */
export function modelHash(files: Record<string, string>): string {
  return canonicalHash(files)
}

/**
 * Hashes every file of a model folder. Only regular files and folders are allowed: a symbolic link
 * (which a container could plant to point anywhere) or any other file type is refused.
 */
export async function hashModelFolder(dir: string): Promise<ModelFiles> {
  const files: Record<string, string> = {}
  let count = 0
  const walk = async (sub: string, prefix: string): Promise<void> => {
    let names: string[]
    try {
      names = (await readdir(sub)).sort()
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new DcbError('DCB_MODEL_DIR', `${sub}: ${code === 'ENOENT' ? 'no model folder here' : `cannot read (${code})`}`)
    }
    for (const name of names) {
      const path = join(sub, name)
      const info = await lstat(path)
      const rel = prefix ? `${prefix}/${name}` : name
      if (info.isDirectory()) await walk(path, rel)
      else if (info.isFile()) {
        if (++count > MAX_MODEL_FILES) throw new DcbError('DCB_MODEL_DIR', `${dir}: more than ${MAX_MODEL_FILES} files; not a model folder`)
        files[rel] = await fileSha256(path)
      } else {
        throw new DcbError('DCB_MODEL_DIR', `${path}: ${info.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; a model folder holds only files and folders`)
      }
    }
  }
  await walk(dir, '')
  if (count === 0) throw new DcbError('DCB_MODEL_DIR', `${dir}: no files; not a model folder`)
  return {sha256: modelHash(files), files}
}

/**
 * How `actual` (a folder as hashed now) differs from `expected` (what a record says), as one-line
 * problems naming `dir/path` — empty when they are the same model.
 */
export function modelDifferences(dir: string, expected: ModelFiles, actual: ModelFiles, claimant: string): string[] {
  const problems: string[] = []
  for (const [path, hash] of Object.entries(expected.files)) {
    const now = actual.files[path]
    if (now === undefined) problems.push(`${dir}/${path}: missing; ${claimant} names it`)
    else if (now !== hash) problems.push(`${dir}/${path} hashes to ${now.slice(0, 16)}…, ${claimant} says ${hash.slice(0, 16)}…`)
  }
  for (const path of Object.keys(actual.files)) if (!(path in expected.files)) problems.push(`${dir}/${path}: not named by ${claimant}`)
  if (problems.length === 0 && modelHash(expected.files) !== expected.sha256) problems.push(`${claimant}: model sha256 ${expected.sha256.slice(0, 16)}… is not the hash of the files it names`)
  return problems
}
