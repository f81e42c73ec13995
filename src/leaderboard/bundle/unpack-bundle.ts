import {createHash} from 'node:crypto'
import {constants, createReadStream} from 'node:fs'
import {lstat, mkdir, open, rm} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import tar from 'tar-stream'

import {DcbError} from '../../errors.js'
import {quoteUntrusted} from '../../util/quote-untrusted.js'
import {parseStrictJson, StrictJsonError} from '../../util/strict-json.js'
import type {ProgressListener} from '../../ui/progress.js'
import {describeZodError} from '../../util/zod-issue.js'
import {
  BUNDLE_ENTRY,
  BUNDLE_MANIFEST,
  BUNDLE_RUN_DIR,
  BundleManifest,
  MAX_BUNDLE_MEMBERS,
  MAX_BUNDLE_METADATA_BYTES,
  memberPathProblem,
} from './format.js'

/** A bundle unpacked into a folder: where its parts are. Every member matched bundle.json. */
export interface UnpackedBundle {
  dir: string
  manifest: BundleManifest
  entryFile: string
  /** The run folder (run.json — absent for an external checkpoint's entry — and model/). */
  runDir: string
  evalFile: string
  /** Bytes of member content written. */
  bytes: number
}

/** Creates a new file, refusing one that exists or a link in its place (a tar cannot plant one here, but no path is trusted). */
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW

/**
 * Unpacks a submission bundle into `dir` (which must not exist; it is created), treating the archive
 * as hostile: only regular-file members (no links, devices, folders named by the archive or sparse
 * files), each at a plain relative path under one of the bundle's places, listed once in bundle.json
 * (the first member, at most 1 MiB) with the size its header gives, and hashing to what bundle.json
 * says; every listed file present. The archive is streamed, so memory stays bounded and the bytes
 * written never exceed the archive's own size. On any refusal `dir` is removed: nothing half-unpacked
 * is left. That the files are the ones the signed entry names is checked by the caller
 * (verify-files.ts), not here.
 */
export async function unpackBundle(bundle: string, dir: string, onProgress?: ProgressListener): Promise<UnpackedBundle> {
  const info = await lstat(bundle).catch((error: NodeJS.ErrnoException) => {
    throw new DcbError('DCB_BUNDLE_INVALID', `${bundle}: ${error.code === 'ENOENT' ? 'file not found' : `cannot read (${error.code})`}`)
  })
  if (!info.isFile()) throw new DcbError('DCB_BUNDLE_INVALID', `${bundle}: not a regular file (a bundle is the tar 'bench submit --bundle' writes)`)
  await mkdir(dir, {recursive: false})
  try {
    return await extract(bundle, dir, onProgress ?? (() => {}))
  } catch (error) {
    await rm(dir, {recursive: true, force: true})
    if (error instanceof DcbError) throw error
    throw new DcbError('DCB_BUNDLE_INVALID', `${bundle}: not a readable tar (${(error as Error).message.split('\n')[0]})`)
  }
}

async function extract(bundle: string, dir: string, onProgress: ProgressListener): Promise<UnpackedBundle> {
  const refuse = (why: string): never => {
    throw new DcbError('DCB_BUNDLE_INVALID', `${bundle}: ${why}`)
  }
  const extractor = tar.extract()
  const input = createReadStream(bundle)
  input.on('error', (error) => extractor.destroy(error))
  input.pipe(extractor)
  try {
    return await readMembers(bundle, dir, extractor, refuse, onProgress)
  } finally {
    input.destroy()
  }
}

async function readMembers(bundle: string, dir: string, extractor: tar.Extract, refuse: (why: string) => never, onProgress: ProgressListener): Promise<UnpackedBundle> {

  let manifest: BundleManifest | undefined
  const seen = new Set<string>()
  let members = 0
  let bytes = 0
  let total = 0
  for await (const member of extractor) {
    const {name, type, size} = member.header
    const path = name.replace(/\/+$/, '')
    if (++members > MAX_BUNDLE_MEMBERS + 1) refuse(`more than ${MAX_BUNDLE_MEMBERS} members`)
    if (type !== 'file') refuse(`member ${quoteUntrusted(name)} is a ${type}; a bundle holds only regular files`)
    const pathProblem = memberPathProblem(path)
    if (pathProblem) refuse(`member ${quoteUntrusted(name)}: ${pathProblem}`)
    if (seen.has(path)) refuse(`member '${path}' twice`)
    seen.add(path)
    if (!manifest) {
      if (path !== BUNDLE_MANIFEST) refuse(`the first member is ${quoteUntrusted(path)}, not ${BUNDLE_MANIFEST}`)
      if ((size ?? 0) > MAX_BUNDLE_METADATA_BYTES) refuse(`${BUNDLE_MANIFEST} is ${size} bytes, more than ${MAX_BUNDLE_METADATA_BYTES}`)
      manifest = parseManifest(bundle, await readAll(member))
      if (!(manifest.results in manifest.files)) refuse(`${BUNDLE_MANIFEST}: results ${quoteUntrusted(manifest.results)} is not one of its files`)
      // run/run.json is absent from an external checkpoint's bundle; the checks of its entry say which it needs
      if (!(BUNDLE_ENTRY in manifest.files)) refuse(`${BUNDLE_MANIFEST}: lists no ${BUNDLE_ENTRY}`)
      total = Object.values(manifest.files).reduce((sum, file) => sum + file.size, 0)
      onProgress({done: 0, total})
      continue
    }
    const expected = manifest.files[path]
    if (!expected) refuse(`member '${path}' is not listed in ${BUNDLE_MANIFEST}`)
    if (expected!.size !== size) refuse(`member '${path}' has ${size} bytes, ${BUNDLE_MANIFEST} says ${expected!.size}`)
    if ((path === BUNDLE_ENTRY || path === `${BUNDLE_RUN_DIR}/run.json`) && expected!.size > MAX_BUNDLE_METADATA_BYTES) {
      refuse(`member '${path}' is ${expected!.size} bytes, more than ${MAX_BUNDLE_METADATA_BYTES}`)
    }
    const sha256 = await writeMember(member, join(dir, path)).catch((error: NodeJS.ErrnoException) => {
      if (error instanceof DcbError || !error.code) throw error
      return refuse(`member '${path}' cannot be written (${error.code}): a file and a folder of one name?`)
    })
    if (sha256 !== expected!.sha256) refuse(`member '${path}' hashes to ${sha256.slice(0, 16)}…, ${BUNDLE_MANIFEST} says ${expected!.sha256.slice(0, 16)}…`)
    bytes += expected!.size
    onProgress({done: bytes, total, detail: path})
  }
  if (!manifest) refuse('an empty archive; a bundle starts with bundle.json')
  const missing = Object.keys(manifest!.files).filter((path) => !seen.has(path))
  if (missing.length > 0) refuse(`${BUNDLE_MANIFEST} lists ${missing.length} file(s) the archive does not hold (${missing.slice(0, 3).join(', ')})`)
  return {
    dir,
    manifest: manifest!,
    entryFile: join(dir, BUNDLE_ENTRY),
    runDir: join(dir, BUNDLE_RUN_DIR),
    evalFile: join(dir, manifest!.results),
    bytes,
  }
}

function parseManifest(bundle: string, bytes: Buffer): BundleManifest {
  let json: unknown
  try {
    json = parseStrictJson(bytes.toString('utf8'))
  } catch (error) {
    if (!(error instanceof StrictJsonError)) throw error
    throw new DcbError('DCB_BUNDLE_INVALID', `${bundle}: ${BUNDLE_MANIFEST}: ${error.message}`)
  }
  const parsed = BundleManifest.safeParse(json)
  if (!parsed.success) throw new DcbError('DCB_BUNDLE_INVALID', `${bundle}: ${BUNDLE_MANIFEST}: ${describeZodError(parsed.error)}`)
  return parsed.data
}

async function readAll(member: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of member) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Writes one member to a new file (its folders created here, by us), returning its sha256. */
async function writeMember(member: AsyncIterable<unknown>, target: string): Promise<string> {
  await mkdir(dirname(target), {recursive: true})
  const hash = createHash('sha256')
  const handle = await open(target, CREATE_FLAGS, 0o644)
  try {
    for await (const chunk of member) {
      hash.update(chunk as Buffer)
      await handle.write(chunk as Buffer)
    }
  } finally {
    await handle.close()
  }
  return hash.digest('hex')
}
