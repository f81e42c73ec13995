import {createHash} from 'node:crypto'
import {createReadStream, createWriteStream} from 'node:fs'
import {lstat} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'
import {pipeline} from 'node:stream/promises'

import tar from 'tar-stream'

import {runManifestFile} from '../../contracts/run-manifest.js'
import {DcbError} from '../../errors.js'
import {writeAtomically} from '../../util/atomic-write.js'
import {fileSha256} from '../../util/file-sha256.js'
import {isBound} from '../entry-schema.js'
import {readEntryFile} from '../read-entry.js'
import {entryId} from '../signing.js'
import type {ProgressListener} from '../../ui/progress.js'
import type {SuiteResolver} from '../suites.js'
import {
  BUNDLE_ENTRY,
  BUNDLE_EVAL_DIR,
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BUNDLE_MANIFEST,
  BUNDLE_RUN_DIR,
  memberPathProblem,
  type BundleManifest,
} from './format.js'

export interface WriteBundleOptions {
  /** The signed entry (`bench submit --out`). */
  entryFile: string
  /** The run folder (or its run.json) the entry reports; or, for an external checkpoint's entry, `model`. */
  run?: string
  /** The model folder `bench export` wrote, for an entry with `run: null` (packed as run/model/, with no run.json). */
  model?: string
  /** The eval output the entry reports. */
  evalFile: string
  suites: SuiteResolver
  /** The tar to write. */
  out: string
  /** Bytes of member content packed so far, of the total (announced before the first byte). */
  onProgress?: ProgressListener
}

export interface WrittenBundle {
  out: string
  entryId: string
  /** Members, bundle.json included. */
  members: number
  /** Bytes of member content (the tar adds headers and padding). */
  bytes: number
}

interface Progress {
  done: number
  total: number
  report: ProgressListener
}

/** Fixed member times and owners, so one submission always packs to the same bytes. */
const MEMBER_HEADER = {mtime: new Date(0), mode: 0o644, uid: 0, gid: 0, uname: '', gname: ''}

/**
 * Packs a signed entry with the files it names into one tar (layout in format.ts), written to a
 * temporary file and renamed: a killed `bench submit` leaves no half bundle. Every file is hashed
 * again on its way into the tar and must still be the one the entry names.
 */
export async function writeBundle(options: WriteBundleOptions): Promise<WrittenBundle> {
  const read = await readEntryFile(options.entryFile)
  if (!read.entry) throw new DcbError('DCB_ENTRY_FILE', `${options.entryFile}: ${read.schemaProblem ?? 'not an entry'}`)
  const entry = read.entry
  if (!isBound(entry)) throw new DcbError('DCB_BUNDLE_INVALID', `${options.entryFile}: entry format version 1 names no model; only an entry bound to its model can be bundled`)
  const suite = options.suites(entry.eval.suite)
  if (!suite) throw new DcbError('DCB_UNKNOWN_SUITE', `${options.entryFile}: eval.suite '${entry.eval.suite}' is not a suite this dcbench scores`)

  const evalName = basename(options.evalFile)
  const sources: {path: string; file: string; sha256: string}[] = [
    {path: BUNDLE_ENTRY, file: options.entryFile, sha256: await fileSha256(options.entryFile)},
    {path: `${BUNDLE_EVAL_DIR}/${evalName}`, file: options.evalFile, sha256: entry.eval.results_sha256},
  ]
  let modelDir: string
  if (entry.run === null) {
    // an external checkpoint's entry: no dcbench run, so no run.json; its model folder as bench export wrote it
    if (options.model === undefined) throw new DcbError('DCB_BUNDLE_INVALID', `${options.entryFile}: the entry reports an external checkpoint (run: null); bundle it with its model folder (--model), not a run`)
    modelDir = options.model
  } else {
    if (options.run === undefined) throw new DcbError('DCB_BUNDLE_INVALID', `${options.entryFile}: the entry reports a dcbench run; bundle it with its run folder (--run)`)
    const runFile = await runManifestFile(options.run)
    modelDir = join(dirname(runFile), 'model')
    sources.splice(1, 0, {path: `${BUNDLE_RUN_DIR}/run.json`, file: runFile, sha256: await fileSha256(runFile)})
  }
  for (const companion of suite.companionFiles(options.evalFile)) {
    sources.push({path: `${BUNDLE_EVAL_DIR}/${basename(companion)}`, file: companion, sha256: await fileSha256(companion)})
  }
  // The files the entry names, checked against their hashes as they are packed (addFile).
  for (const [path, sha256] of Object.entries(entry.model.files)) {
    sources.push({path: `${BUNDLE_RUN_DIR}/model/${path}`, file: join(modelDir, path), sha256})
  }

  const files: BundleManifest['files'] = {}
  for (const source of sources) {
    const problem = memberPathProblem(source.path)
    if (problem) throw new DcbError('DCB_BUNDLE_INVALID', `${source.file}: cannot be bundled as ${source.path}: ${problem}`)
    if (source.path in files) throw new DcbError('DCB_BUNDLE_INVALID', `${source.file}: a second file named ${source.path} in the bundle`)
    files[source.path] = {size: await regularFileSize(source.file), sha256: source.sha256}
  }
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    format_version: BUNDLE_FORMAT_VERSION,
    entry_id: entryId(read.raw),
    results: `${BUNDLE_EVAL_DIR}/${evalName}`,
    files,
  }

  const bytes = Object.values(files).reduce((sum, member) => sum + member.size, 0)
  const progress = {done: 0, total: bytes, report: options.onProgress ?? (() => {})}
  progress.report({done: 0, total: bytes})
  await writeAtomically(options.out, async (temp) => {
    const pack = tar.pack()
    const written = pipeline(pack, createWriteStream(temp, {flags: 'wx'}))
    try {
      await addBuffer(pack, BUNDLE_MANIFEST, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`))
      for (const source of sources) await addFile(pack, source.path, source.file, files[source.path]!, progress)
      pack.finalize()
      await written
    } catch (error) {
      pack.destroy()
      await written.catch(() => {})
      throw error
    }
  })
  return {out: options.out, entryId: manifest.entry_id, members: sources.length + 1, bytes}
}

async function regularFileSize(file: string): Promise<number> {
  const info = await lstat(file).catch((error: NodeJS.ErrnoException) => {
    throw new DcbError('DCB_FILE', `${file}: ${error.code === 'ENOENT' ? 'file not found' : `cannot read (${error.code})`}`)
  })
  if (!info.isFile()) throw new DcbError('DCB_BUNDLE_INVALID', `${file}: not a regular file; a bundle holds only regular files`)
  return info.size
}

function addBuffer(pack: tar.Pack, name: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({name, size: body.length, ...MEMBER_HEADER}, body, (error) => (error ? reject(error) : resolve()))
  })
}

/** Streams one file into the tar (bounded memory for a model of any size), hashing it on the way. */
async function addFile(pack: tar.Pack, name: string, file: string, expected: {size: number; sha256: string}, progress: Progress): Promise<void> {
  const hash = createHash('sha256')
  let size = 0
  let finish!: (error?: Error | null) => void
  const done = new Promise<void>((resolve, reject) => {
    finish = (error) => (error ? reject(error) : resolve())
  })
  const member = pack.entry({name, size: expected.size, ...MEMBER_HEADER}, (error) => finish(error))
  for await (const chunk of createReadStream(file)) {
    const bytes = chunk as Buffer
    size += bytes.length
    if (size > expected.size) break
    hash.update(bytes)
    progress.done += bytes.length
    progress.report({done: progress.done, total: progress.total})
    if (!member.write(bytes)) await new Promise<void>((resolve) => member.once('drain', () => resolve()))
  }
  if (size !== expected.size || hash.digest('hex') !== expected.sha256) {
    member.destroy()
    throw new DcbError('DCB_BUNDLE_INVALID', `${file}: not the file the entry names (its sha256 differs, or it changed while being bundled); bundle the run and eval output the entry was built from`)
  }
  member.end(undefined) // streamx types want an argument; undefined ends without writing
  await done
}
