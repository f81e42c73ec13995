import {createHash} from 'node:crypto'
import {createReadStream, createWriteStream, lstatSync} from 'node:fs'
import {mkdir, rename, rm} from 'node:fs/promises'
import {dirname} from 'node:path'
import {Readable, Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import type {ReadableStream as WebReadableStream} from 'node:stream/web'

import {DcbError} from '../errors.js'

/**
 * One file over plain HTTP(S) (raw.githubusercontent.com and the like), resumable and checked: the
 * bytes go to `DEST.incomplete`, an interrupted download continues with an HTTP Range request, and
 * the file is renamed into place only once its size, sha256 and git blob id match what is expected.
 */

/** What a downloaded file must be; null/undefined = not known in advance (then only measured). */
export interface ExpectedFile {
  bytes?: number | null
  sha256?: string | null
  /** sha1 of `blob <size>\0` + content, as git names the file in a tree. */
  gitBlob?: string | null
}

export interface DownloadFileOptions extends ExpectedFile {
  url: string
  dest: string
  /** Largest file accepted when `bytes` is unknown; default 1 GiB. */
  maxBytes?: number
  onProgress?: (done: number, total: number | undefined) => void
}

/** The size, sha256 and git blob id of a file. */
export interface MeasuredFile {
  bytes: number
  sha256: string
  gitBlob: string
}

export interface DownloadFileResult extends MeasuredFile {
  /** Bytes fetched by this call (a resumed file counts only the rest). */
  downloadedBytes: number
  /** Bytes already on disk from an interrupted download. */
  resumedFrom: number
}

/** Measures a file: size, sha256 and git blob id, in one read. */
export async function measureFile(file: string): Promise<MeasuredFile> {
  const bytes = lstatSync(file).size
  const sha256 = createHash('sha256')
  const blob = createHash('sha1').update(`blob ${bytes}\0`)
  await pipeline(createReadStream(file), new Transform({transform: (chunk: Buffer, _e, done) => (sha256.update(chunk), blob.update(chunk), done())}))
  return {bytes, sha256: sha256.digest('hex'), gitBlob: blob.digest('hex')}
}

/** The first way `measured` differs from `expected`, or undefined when it matches. */
export function fileMismatch(measured: MeasuredFile, expected: ExpectedFile): string | undefined {
  if (expected.bytes != null && measured.bytes !== expected.bytes) return `${measured.bytes} bytes, expected ${expected.bytes}`
  if (expected.sha256 && measured.sha256 !== expected.sha256) return `sha256 ${measured.sha256}, expected ${expected.sha256}`
  if (expected.gitBlob && measured.gitBlob !== expected.gitBlob) return `git blob ${measured.gitBlob}, expected ${expected.gitBlob}`
  return undefined
}

function downloadError(url: string, problem: string): DcbError {
  return new DcbError('DCB_EVAL_DOWNLOAD', `${url}: ${problem}`, {suggestions: ['run the same command again: finished files are kept and a partial one resumes', 'or use --offline to check what is there']})
}

/** The size of a remote file from a HEAD request (Content-Length), or undefined when the server does not say. */
export async function remoteSize(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, {method: 'HEAD', headers: {'Accept-Encoding': 'identity'}})
    const length = Number(response.headers.get('content-length'))
    return response.ok && Number.isSafeInteger(length) && length >= 0 ? length : undefined
  } catch {
    return undefined
  }
}

/**
 * Downloads `url` to `dest` (resuming `dest.incomplete`), checks it against what is expected and
 * renames it into place. A file that fails a check is removed (DCB_EVAL_DOWNLOAD_CHECKSUM); a cut
 * connection keeps what arrived for the next call (DCB_EVAL_DOWNLOAD).
 */
export async function downloadVerifiedFile(options: DownloadFileOptions): Promise<DownloadFileResult> {
  const {url, dest} = options
  const limit = options.bytes ?? options.maxBytes ?? 1024 ** 3
  const incomplete = `${dest}.incomplete`
  await mkdir(dirname(dest), {recursive: true})
  // Resume only from a regular file of ours; anything else in its place (a planted link) is removed.
  const stat = lstatSync(incomplete, {throwIfNoEntry: false})
  let have = stat?.isFile() && stat.size <= limit ? stat.size : 0
  if (stat && have === 0) await rm(incomplete, {recursive: true, force: true})

  let response: Response
  try {
    response = await fetch(url, {headers: {'Accept-Encoding': 'identity', ...(have > 0 ? {Range: `bytes=${have}-`} : {})}})
  } catch (error) {
    throw downloadError(url, `request failed (${(error as Error).message})`)
  }
  if (response.status === 416 && have > 0) {
    // Nothing left to send: the partial file is already whole.
  } else if (response.status === 200 || (response.status === 206 && have > 0)) {
    if (response.status === 200) have = 0 // the server ignored the range: start over
    if (!response.body) throw downloadError(url, 'empty response')
    let got = have
    const counter = new Transform({
      transform(chunk: Buffer, _e, callback) {
        got += chunk.length
        if (got > limit) return callback(new Error(`more than the ${limit} bytes expected`))
        options.onProgress?.(got, options.bytes ?? undefined)
        callback(null, chunk)
      },
    })
    try {
      await pipeline(Readable.fromWeb(response.body as unknown as WebReadableStream), counter, createWriteStream(incomplete, {flags: have > 0 ? 'a' : 'w'}))
    } catch (error) {
      throw downloadError(url, `download cut short (${(error as Error).message}; ${got} bytes kept for resuming)`)
    }
  } else {
    throw downloadError(url, `HTTP ${response.status}${response.status === 404 ? ' (not found: check the source and the commit)' : ''}`)
  }
  const measured = await measureFile(incomplete)
  const mismatch = fileMismatch(measured, options)
  if (mismatch) {
    await rm(incomplete, {force: true})
    throw new DcbError('DCB_EVAL_DOWNLOAD_CHECKSUM', `${url}: ${mismatch}; the download was removed`, {suggestions: ['run the same command again to download it afresh']})
  }
  await rename(incomplete, dest)
  return {...measured, downloadedBytes: measured.bytes - (response.status === 206 || response.status === 416 ? have : 0), resumedFrom: response.status === 206 || response.status === 416 ? have : 0}
}
