import {accessSync, constants, statSync, type Stats} from 'node:fs'
import {dirname, resolve} from 'node:path'

import {DcbError} from '../errors.js'
import {fileKind} from './regular-file.js'

/**
 * The one check of paths given on the command line, run by commands before any work: a missing
 * folder, a file where a folder is expected (or the reverse) or an unwritable parent is a usage
 * error (DCB_PATH, exit 2) naming the flag and the path — not an ENOENT/EISDIR deep inside a
 * library call, reported as a bug after minutes of work.
 */

/** What the path must be: an existing or new `file`, or an existing or new `folder`. */
export type PathKind = 'file' | 'folder'

export interface CliPathOptions {
  /** How the path was given, for the message: `--out`, `OUT`, `--pool`. */
  flag: string
  kind: PathKind
  /** Words for what is expected, e.g. `the pool folder (as bench pool synth writes it)`; default `a file`/`a folder`. */
  expected?: string
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

function pathError(options: CliPathOptions, path: string, problem: string, hint: string): DcbError {
  return new DcbError('DCB_PATH', `${options.flag} ${path}: ${problem}`, {suggestions: [hint]})
}

/** `is a regular file; expected the pool folder`: a path of the wrong kind. */
function wrongKind(options: CliPathOptions, stats: Stats): string {
  return `is ${fileKind(stats)}; expected ${options.expected ?? (options.kind === 'file' ? 'a file' : 'a folder')}`
}

/**
 * An input path that must exist as `kind`; returns it resolved. `doctor --dir /nonexistent`,
 * `filter --pool file.parquet` fail here in one line.
 */
export function checkInputPath(path: string, options: CliPathOptions): string {
  const full = resolve(path)
  const stats = statOrUndefined(full)
  if (!stats) return missingInput(full, options)
  if (options.kind === 'folder' && !stats.isDirectory()) throw pathError(options, full, wrongKind(options, stats), `pass the folder${stats.isFile() ? ` (perhaps ${dirname(full)})` : ''}`)
  if (options.kind === 'file' && stats.isDirectory()) throw pathError(options, full, wrongKind(options, stats), 'pass a file inside it')
  return full
}

function missingInput(full: string, options: CliPathOptions): never {
  throw pathError(options, full, `no such ${options.kind}${options.expected ? ` (expected ${options.expected})` : ''}`, 'check the path (relative paths start at the current folder)')
}

/**
 * An output path: a `file` must not be a folder and its folder must exist and be writable (dcbench
 * creates no parent folders for a file); a `folder` must be a folder when it exists, else the nearest
 * existing folder above it must be writable (dcbench creates the rest). Returns it resolved.
 */
export function checkOutputPath(path: string, options: CliPathOptions): string {
  const full = resolve(path)
  const stats = statOrUndefined(full)
  if (options.kind === 'file') {
    if (stats?.isDirectory()) throw pathError(options, full, wrongKind(options, stats), `name a file, e.g. one inside ${full}`)
    const parent = dirname(full)
    const parentStats = statOrUndefined(parent)
    if (!parentStats) throw pathError(options, full, `folder ${parent} does not exist`, `create it first (mkdir -p ${parent}) or choose another path`)
    if (!parentStats.isDirectory()) throw pathError(options, full, `${parent} is ${fileKind(parentStats)}, not a folder`, 'choose another path')
    requireWritable(parent, full, options)
    return full
  }
  if (stats) {
    if (!stats.isDirectory()) throw pathError(options, full, wrongKind(options, stats), 'choose a new or existing folder')
    requireWritable(full, full, options)
    return full
  }
  // a new folder: created with its missing parents, so the nearest existing ancestor must be a writable folder
  let ancestor = dirname(full)
  let ancestorStats = statOrUndefined(ancestor)
  while (!ancestorStats && dirname(ancestor) !== ancestor) {
    ancestor = dirname(ancestor)
    ancestorStats = statOrUndefined(ancestor)
  }
  if (ancestorStats && !ancestorStats.isDirectory()) throw pathError(options, full, `${ancestor} is ${fileKind(ancestorStats)}, not a folder`, 'choose another path')
  requireWritable(ancestor, full, options)
  return full
}

function requireWritable(folder: string, full: string, options: CliPathOptions): void {
  try {
    accessSync(folder, constants.W_OK | constants.X_OK)
  } catch {
    throw pathError(options, full, `folder ${folder} is not writable`, 'choose a folder you can write to')
  }
}
