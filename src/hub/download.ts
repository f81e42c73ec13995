import {createHash, type Hash} from 'node:crypto'
import {createReadStream, createWriteStream, existsSync, lstatSync, readFileSync, statSync} from 'node:fs'
import {mkdir, rename, rm, symlink, unlink} from 'node:fs/promises'
import {dirname, isAbsolute, join, relative, resolve} from 'node:path'
import {Readable, Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import type {ReadableStream as WebReadableStream} from 'node:stream/web'

import {datasetInfo, downloadFile, listFiles} from '@huggingface/hub'

import {DcbError} from '../errors.js'
import {writeFileAtomic} from '../util/atomic-write.js'

/**
 * Dataset snapshots from the Hugging Face hub into a local cache laid out as huggingface_hub lays
 * out its own (`datasets--<owner>--<name>/{blobs/<etag>, snapshots/<commit>/<path> → blob,
 * refs/<revision>}`), so a cache made by either tool serves the other. Downloads resume: an
 * interrupted file stays as `blobs/<etag>.incomplete` and the next call asks only for the missing
 * bytes (HTTP Range). Every file is checked against the hub's listing (size; sha256 for LFS files)
 * before it enters the cache, and `refs/<revision>` is written only when every file is there, so a
 * snapshot that has a ref is complete.
 */

/** Where a dataset repo lives in the cache. */
export function repoCacheDir(cacheDir: string, repo: string): string {
  return join(cacheDir, `datasets--${repo.replace('/', '--')}`)
}

/** The complete snapshot of `repo` at `revision` in the cache (its ref exists), or undefined. */
export function cachedSnapshot(cacheDir: string, repo: string, revision = 'main'): string | undefined {
  const ref = join(repoCacheDir(cacheDir, repo), 'refs', revision)
  if (!existsSync(ref)) return undefined
  const snapshot = join(repoCacheDir(cacheDir, repo), 'snapshots', readFileSync(ref, 'utf8').trim())
  return existsSync(snapshot) ? snapshot : undefined
}

/** Progress of a snapshot download: bytes of the repo's files present so far. */
export interface DownloadProgress {
  repo: string
  /** The file being fetched. */
  file: string
  done: number
  total: number
}

export interface DownloadSnapshotOptions {
  /** `owner/name` of a dataset repo. */
  repo: string
  cacheDir: string
  /** Branch, tag or commit; default `main`. */
  revision?: string
  /** Default https://huggingface.co; tests point it at a local server. */
  hubUrl?: string
  accessToken?: string
  /** Only files under these folders/paths (default: the whole repo). */
  include?: (path: string) => boolean
  onProgress?: (event: DownloadProgress) => void
  /** What planSnapshot found (saves asking the hub again); planned with the same options. */
  plan?: SnapshotPlan
}

/** One file of a snapshot as the hub lists it. */
export interface SnapshotFile {
  path: string
  size: number
  /** huggingface_hub's blob name: the LFS sha256, else the git blob id. */
  etag: string
  /** The sha256 the hub lists for an LFS file. */
  lfsSha256?: string
}

/** What a snapshot download will fetch, known before any file is downloaded. */
export interface SnapshotPlan {
  repo: string
  revision: string
  /** The commit `revision` points at. */
  commit: string
  /** The hub's access gate: false, or 'auto' / 'manual' (terms to accept before files download). */
  gated: false | 'auto' | 'manual'
  files: SnapshotFile[]
  /** Paths of the repo's files that `include` left out. */
  skipped: string[]
  totalBytes: number
  /** Bytes not yet in the cache (a partial file counts only its missing part). */
  missingBytes: number
}

export interface DownloadSnapshotResult {
  repo: string
  /** The commit the snapshot is at. */
  commit: string
  snapshotDir: string
  files: {path: string; size: number}[]
  /** Bytes fetched over the network by this call (resumed files count only the missing part). */
  downloadedBytes: number
  /** Bytes found already in the cache (complete blobs, and the kept part of resumed ones). */
  reusedBytes: number
}

/** The one line that says what a gated dataset needs. */
function gatedMessage(repo: string, what: string, hubUrl: string | undefined): string {
  return `${repo} is gated on the Hugging Face hub and ${what}: set HF_TOKEN to a token of an account that has accepted the dataset's terms at ${hubUrl ?? 'https://huggingface.co'}/datasets/${repo}`
}

function hubError(repo: string, what: string, error: unknown, gated: SnapshotPlan['gated'] = false, hubUrl?: string): DcbError {
  const status = (error as {statusCode?: number}).statusCode
  const message = (error as Error).message ?? String(error)
  if ((status === 401 || status === 403) && gated) return new DcbError('DCB_HUB_GATED', gatedMessage(repo, `${what} was refused (HTTP ${status})`, hubUrl))
  if (status === 401 || status === 403) {
    return new DcbError('DCB_HUB_AUTH', `${repo}: ${what} refused by the hub (HTTP ${status}: ${message})`, {suggestions: ['set HF_TOKEN to a token that can read the dataset']})
  }
  if (status === 404) return new DcbError('DCB_HUB_NOT_FOUND', `${repo}: ${what}: not found on the hub (HTTP 404)`)
  return new DcbError('DCB_HUB_DOWNLOAD', `${repo}: ${what} failed (${status ? `HTTP ${status}: ` : ''}${message})`, {
    suggestions: ['run the same command again: finished files are kept and partial ones resume', 'or use --offline to work from the cache only'],
  })
}

/**
 * What a listed file's bytes must hash to: an LFS file's sha256 (its oid), else git's blob id —
 * sha1("blob <size>\0" ‖ bytes) — so every file, resumed or not, is checked before it enters the cache.
 */
function expectedDigest(entry: SnapshotFile): {hash: () => Hash; oid: string; name: string} {
  if (entry.lfsSha256) return {hash: () => createHash('sha256'), oid: entry.lfsSha256, name: 'sha256'}
  return {hash: () => createHash('sha1').update(`blob ${entry.size}\0`), oid: entry.etag, name: 'git blob id'}
}

/** The hash of a file's bytes so far, continued from `start` (what a resumed download must continue from). */
async function hashFile(file: string, start: Hash): Promise<Hash> {
  await pipeline(createReadStream(file), new Transform({transform: (chunk: Buffer, _e, done) => (start.update(chunk), done())}))
  return start
}

/**
 * Refuses a listing entry whose path or object id is not safe to use inside the cache: the server
 * chooses both, and `join` would follow a `..` out of the snapshot or blobs folder. Paths are
 * relative, `/`-separated, without empty, `.` or `..` segments, backslashes or NULs; object ids are
 * the 40 (git) or 64 (LFS sha256) lowercase hex digits the hub uses.
 */
function checkListing(repo: string, entry: {path: string; oid?: string; lfs?: {oid?: string}}, snapshotDir: string): void {
  const refuse = (what: string, why: string): never => {
    throw new DcbError('DCB_HUB_LISTING', `${repo}: the hub lists ${what}, ${why}; refused before anything was written`, {
      suggestions: ['check that HF_ENDPOINT (--hub-url) points at the Hugging Face hub or a mirror you trust'],
    })
  }
  const {path} = entry
  const segments = path.split('/')
  if (path === '' || path.startsWith('/')) refuse(`path ${JSON.stringify(path)}`, 'which is absolute or empty')
  if (/[\\\0]/.test(path)) refuse(`path ${JSON.stringify(path)}`, 'which holds a backslash or NUL')
  if (segments.some((s) => s === '' || s === '.' || s === '..')) refuse(`path ${JSON.stringify(path)}`, "which has an empty, '.' or '..' segment and could land outside the cache")
  const inside = relative(snapshotDir, resolve(snapshotDir, path))
  if (inside.startsWith('..') || isAbsolute(inside)) refuse(`path ${JSON.stringify(path)}`, 'which lands outside the snapshot')
  if (!/^[0-9a-f]{40}$/.test(entry.oid ?? '')) refuse(`object id ${JSON.stringify(entry.oid)} for ${path}`, 'which is not 40 hex digits (a git blob id)')
  if (entry.lfs && !/^[0-9a-f]{64}$/.test(entry.lfs.oid ?? '')) refuse(`object id ${JSON.stringify(entry.lfs.oid)} for ${path}`, 'which is not 64 hex digits (an LFS sha256)')
}

/** Bytes of `file` already in the cache: its complete blob, or the part of an interrupted download. */
function cachedBytes(cacheDir: string, repo: string, file: SnapshotFile): number {
  const blob = join(repoCacheDir(cacheDir, repo), 'blobs', file.etag)
  if (existsSync(blob) && statSync(blob).size === file.size) return file.size
  const partial = statSync(`${blob}.incomplete`, {throwIfNoEntry: false})?.size ?? 0
  return partial <= file.size ? partial : 0
}

/**
 * Asks the hub what a snapshot download would fetch — the commit, the files and their sizes, how
 * many bytes are not in the cache yet, and whether the dataset is gated — without downloading.
 * A gated dataset without a token is refused here, in one line.
 */
export async function planSnapshot(options: Omit<DownloadSnapshotOptions, 'plan' | 'onProgress'>): Promise<SnapshotPlan> {
  const {repo, cacheDir} = options
  const revision = options.revision ?? 'main'
  let commit: string
  let gated: SnapshotPlan['gated']
  try {
    const info = await datasetInfo<'sha'>({name: repo, revision, hubUrl: options.hubUrl, accessToken: options.accessToken, additionalFields: ['sha']})
    commit = info.sha
    gated = info.gated === 'auto' || info.gated === 'manual' ? info.gated : false
  } catch (error) {
    throw hubError(repo, `reading revision ${revision}`, error, false, options.hubUrl)
  }
  if (typeof commit !== 'string' || !/^[0-9a-f]{40}$/.test(commit)) throw new DcbError('DCB_HUB_DOWNLOAD', `${repo}: the hub gave no commit sha for revision ${revision}`)
  if (gated && !options.accessToken) throw new DcbError('DCB_HUB_GATED', gatedMessage(repo, 'no HF_TOKEN is set', options.hubUrl))

  const snapshotDir = join(repoCacheDir(cacheDir, repo), 'snapshots', commit)
  const files: SnapshotFile[] = []
  const skipped: string[] = []
  try {
    for await (const entry of listFiles({repo: {type: 'dataset', name: repo}, hubUrl: options.hubUrl, accessToken: options.accessToken, revision: commit, recursive: true})) {
      if (entry.type !== 'file') continue
      if (!(options.include?.(entry.path) ?? true)) {
        skipped.push(entry.path)
        continue
      }
      // Every path and id checked before anything is written.
      checkListing(repo, entry, snapshotDir)
      // huggingface_hub names blobs by the LFS sha256, else by the git blob id.
      const etag = (entry.lfs?.oid ?? entry.oid) as string // checked by checkListing
      files.push({path: entry.path, size: entry.lfs?.size ?? entry.size, etag, ...(entry.lfs ? {lfsSha256: entry.lfs.oid} : {})})
    }
  } catch (error) {
    if (error instanceof DcbError) throw error
    throw hubError(repo, 'listing files', error, gated, options.hubUrl)
  }
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0)
  const missingBytes = files.reduce((sum, f) => sum + f.size - cachedBytes(cacheDir, repo, f), 0)
  return {repo, revision, commit, gated, files, skipped, totalBytes, missingBytes}
}

/**
 * Downloads a dataset repo's snapshot into the cache (resuming partial files) and returns where it
 * is. Files already complete in the cache are not fetched again.
 */
export async function downloadSnapshot(options: DownloadSnapshotOptions): Promise<DownloadSnapshotResult> {
  const {repo, cacheDir} = options
  const plan = options.plan ?? (await planSnapshot(options))
  const {commit, revision, gated} = plan
  const hub = {repo: {type: 'dataset' as const, name: repo}, hubUrl: options.hubUrl, accessToken: options.accessToken}
  const root = repoCacheDir(cacheDir, repo)
  const snapshotDir = join(root, 'snapshots', commit)
  const total = plan.totalBytes
  const progress = {done: 0, downloadedBytes: 0, reusedBytes: 0}
  for (const entry of plan.files) {
    const {size} = entry
    const blob = join(root, 'blobs', entry.etag)
    const pointer = join(snapshotDir, entry.path)
    await mkdir(dirname(blob), {recursive: true})
    await mkdir(dirname(pointer), {recursive: true})
    if (existsSync(blob) && statSync(blob).size === size) progress.reusedBytes += size
    else await fetchBlob({repo, hub, commit, entry, blob, total, progress, gated, onProgress: options.onProgress})
    if (lstatSync(pointer, {throwIfNoEntry: false})) await unlink(pointer)
    await symlink(relative(dirname(pointer), blob), pointer)
    progress.done += size
    options.onProgress?.({repo, file: entry.path, done: progress.done, total})
  }
  await mkdir(join(root, 'refs'), {recursive: true})
  // Written last: a ref means every file of the snapshot is in place.
  await writeFileAtomic(join(root, 'refs', revision), commit)
  return {repo, commit, snapshotDir, files: plan.files.map((e) => ({path: e.path, size: e.size})), downloadedBytes: progress.downloadedBytes, reusedBytes: progress.reusedBytes}
}

interface FetchBlob {
  repo: string
  hub: {repo: {type: 'dataset'; name: string}; hubUrl?: string; accessToken?: string}
  commit: string
  entry: SnapshotFile
  blob: string
  total: number
  progress: {done: number; downloadedBytes: number; reusedBytes: number}
  gated: SnapshotPlan['gated']
  onProgress?: (event: DownloadProgress) => void
}

/**
 * Downloads one file into `blob`, through `blob.incomplete`: resumed from the bytes a killed or cut
 * run left there, and checked against the hub's hash (LFS sha256 or git blob id) before the rename.
 * A resumed file that fails the check was not the prefix it claimed to be: it is removed and fetched
 * once more from the start; a fresh one that fails is an error.
 */
async function fetchBlob(job: FetchBlob): Promise<void> {
  const {repo, entry, progress} = job
  const size = entry.size
  const incomplete = `${job.blob}.incomplete`
  const expected = expectedDigest(entry)
  for (let attempt = 0; ; attempt++) {
    let have = existsSync(incomplete) ? statSync(incomplete).size : 0
    if (have > size) {
      await rm(incomplete, {force: true})
      have = 0
    }
    const hash = have > 0 ? await hashFile(incomplete, expected.hash()) : expected.hash()
    if (have < size) {
      let body: WebReadableStream
      try {
        const file = await downloadFile({...job.hub, path: entry.path, revision: job.commit, xet: false})
        if (!file) throw new DcbError('DCB_HUB_NOT_FOUND', `${repo}: ${entry.path} is listed but not downloadable`)
        // Resume: ask only for the bytes not yet on disk.
        body = (have > 0 ? file.slice(have) : file).stream() as unknown as WebReadableStream
      } catch (error) {
        if (error instanceof DcbError) throw error
        throw hubError(repo, `downloading ${entry.path}`, error, job.gated, job.hub.hubUrl)
      }
      let got = have
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk)
          got += chunk.length
          progress.downloadedBytes += chunk.length
          job.onProgress?.({repo, file: entry.path, done: progress.done + got, total: job.total})
          callback(null, chunk)
        },
      })
      try {
        await pipeline(Readable.fromWeb(body), counter, createWriteStream(incomplete, {flags: have > 0 ? 'a' : 'w'}))
      } catch (error) {
        // Keep what arrived: the next run resumes from there.
        throw hubError(repo, `downloading ${entry.path} (${got} of ${size} bytes kept for resuming)`, error)
      }
    }
    const got = statSync(incomplete).size
    if (got !== size) {
      throw new DcbError('DCB_HUB_DOWNLOAD', `${repo}: ${entry.path}: ${got} bytes received, the hub lists ${size}; run again to resume`)
    }
    const digest = hash.digest('hex')
    if (digest === expected.oid) {
      progress.reusedBytes += have
      await rename(incomplete, job.blob)
      return
    }
    await rm(incomplete, {force: true})
    if (have > 0 && attempt === 0) continue
    throw new DcbError('DCB_HUB_CHECKSUM', `${repo}: ${entry.path}: ${expected.name} ${digest} differs from the hub's ${expected.oid}; the partial file was removed, run again`)
  }
}
