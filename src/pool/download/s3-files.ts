import {createHash} from 'node:crypto'
import {createReadStream, createWriteStream} from 'node:fs'
import {mkdir, rename, rm, stat} from 'node:fs/promises'
import {dirname} from 'node:path'
import type {Readable} from 'node:stream'
import {once} from 'node:events'
import {finished} from 'node:stream/promises'

import {GetObjectCommand, HeadObjectCommand, S3Client} from '@aws-sdk/client-s3'

import {DcbError} from '../../errors.js'

/**
 * Files from S3 or an S3-compatible store, with the user's credentials (the AWS SDK's default chain:
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance roles…) through @aws-sdk/client-s3,
 * the standard client. Sizes come first (HeadObject); each file goes to `DEST.incomplete`, an
 * interrupted one resumes with a Range request, and it is renamed into place only when its size
 * matches, and its MD5 too where the ETag is one (single-part uploads).
 */

/** An object in a bucket. */
export interface S3Object {
  bucket: string
  key: string
}

export interface S3ClientOptions {
  /** An S3-compatible endpoint (path-style requests); default AWS. */
  endpoint?: string
  region?: string
}

/** The client: the SDK's credential chain, 3 attempts per request. */
export function createS3Client(options: S3ClientOptions): S3Client {
  return new S3Client({region: options.region ?? process.env.AWS_REGION ?? 'us-east-1', ...(options.endpoint ? {endpoint: options.endpoint, forcePathStyle: true} : {}), maxAttempts: 3})
}

/** What HeadObject says of an object; `missing` when the bucket has no such key. */
export type S3Head = {size: number; etag?: string} | {missing: true}

function s3Url(object: S3Object): string {
  return `s3://${object.bucket}/${object.key}`
}

/** One line for an S3 failure: refused credentials, none found, or another error. */
export function s3Error(object: S3Object, what: string, error: unknown): DcbError {
  const e = error as {name?: string; message?: string; $metadata?: {httpStatusCode?: number}}
  const status = e.$metadata?.httpStatusCode
  if (e.name === 'CredentialsProviderError') {
    return new DcbError('DCB_S3_AUTH', `${s3Url(object)}: ${what}: no AWS credentials found (${e.message?.split('\n')[0]})`, {suggestions: ['set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) to credentials that can read the bucket']})
  }
  if (status === 401 || status === 403 || ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken'].includes(e.name ?? '')) {
    return new DcbError('DCB_S3_AUTH', `${s3Url(object)}: ${what} refused (${status ? `HTTP ${status} ` : ''}${e.name ?? 'error'}: the credentials are not allowed to read it)`, {
      suggestions: ['check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE; Common Crawl requires authenticated requests from any AWS account'],
    })
  }
  return new DcbError('DCB_S3_DOWNLOAD', `${s3Url(object)}: ${what} failed (${status ? `HTTP ${status} ` : ''}${e.name ?? ''}: ${(e.message ?? String(error)).split('\n')[0]})`, {
    suggestions: ['run the same command again: finished files are kept and a partial one resumes'],
  })
}

/** HeadObject of one object. */
export async function headObject(client: S3Client, object: S3Object): Promise<S3Head> {
  try {
    const head = await client.send(new HeadObjectCommand({Bucket: object.bucket, Key: object.key}))
    const size = head.ContentLength
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new DcbError('DCB_S3_DOWNLOAD', `${s3Url(object)}: HeadObject gave no size`)
    return {size, etag: head.ETag}
  } catch (error) {
    if (error instanceof DcbError) throw error
    const e = error as {name?: string; $metadata?: {httpStatusCode?: number}}
    if (e.$metadata?.httpStatusCode === 404 || e.name === 'NotFound' || e.name === 'NoSuchKey') return {missing: true}
    throw s3Error(object, 'HeadObject', error)
  }
}

/** Runs `task` over `items` with at most `size` in flight, in order of the results' indices. */
export async function mapLimit<T, U>(items: readonly T[], size: number, task: (item: T, index: number) => Promise<U>): Promise<U[]> {
  const results = new Array<U>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      results[i] = await task(items[i] as T, i)
    }
  }
  await Promise.all(Array.from({length: Math.min(size, items.length)}, worker))
  return results
}

/** The MD5 an ETag names, when it names one (a single-part upload's ETag is its MD5 in quotes). */
function etagMd5(etag: string | undefined): string | undefined {
  const match = /^"?([0-9a-f]{32})"?$/.exec(etag ?? '')
  return match?.[1]
}

async function md5File(file: string): Promise<string> {
  const hash = createHash('md5')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Downloads one object to `dest` unless a file of the expected size is already there; returns the
 * bytes fetched by this call. A cut download keeps its bytes for the next call; a file that fails
 * the size or MD5 check is removed (DCB_S3_CHECKSUM).
 */
export async function downloadObject(client: S3Client, object: S3Object, dest: string, head: {size: number; etag?: string}, onBytes?: (n: number) => void): Promise<number> {
  if ((await stat(dest).catch(() => undefined))?.size === head.size) return 0
  await mkdir(dirname(dest), {recursive: true})
  const incomplete = `${dest}.incomplete`
  let have = (await stat(incomplete).catch(() => undefined))?.size ?? 0
  if (have > head.size) {
    await rm(incomplete, {force: true})
    have = 0
  }
  let got = 0
  if (have < head.size) {
    try {
      const response = await client.send(new GetObjectCommand({Bucket: object.bucket, Key: object.key, ...(have > 0 ? {Range: `bytes=${have}-`} : {}), ...(head.etag ? {IfMatch: head.etag} : {})}))
      const body = response.Body as Readable | undefined
      if (!body) throw new DcbError('DCB_S3_DOWNLOAD', `${s3Url(object)}: GetObject returned no body`)
      // A server that ignores the Range sends the whole object: start over.
      const append = have > 0 && response.ContentRange !== undefined
      if (!append) have = 0
      await appendBody(body, incomplete, append, (n) => {
        got += n
        onBytes?.(n)
      })
    } catch (error) {
      if (error instanceof DcbError) throw error
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw error
      throw s3Error(object, `GetObject (${have + got} of ${head.size} bytes kept for resuming)`, error)
    }
  }
  const size = (await stat(incomplete)).size
  const md5 = etagMd5(head.etag)
  const problem = size !== head.size ? `${size} bytes, HeadObject said ${head.size}` : md5 && (await md5File(incomplete)) !== md5 ? `MD5 differs from the ETag ${md5}` : undefined
  if (problem) {
    await rm(incomplete, {force: true})
    throw new DcbError('DCB_S3_CHECKSUM', `${s3Url(object)}: ${problem}; the download was removed`, {suggestions: ['run the same command again to download it afresh']})
  }
  await rename(incomplete, dest)
  return got
}

/**
 * Writes a response body to `file`. A cut body still ends the file stream, so every byte received is
 * on disk for the Range request of the next run (stream.pipeline would destroy the file stream and
 * drop the bytes it still buffered).
 */
async function appendBody(body: Readable, file: string, append: boolean, onBytes: (n: number) => void): Promise<void> {
  const out = createWriteStream(file, {flags: append ? 'a' : 'w'})
  try {
    for await (const chunk of body) {
      onBytes((chunk as Buffer).length)
      if (!out.write(chunk)) await once(out, 'drain')
    }
  } finally {
    out.end()
    await finished(out)
  }
}
