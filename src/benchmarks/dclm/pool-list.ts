import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'

import {parse as parseYaml} from 'yaml'
import {z} from 'zod'

import {DcbError} from '../../errors.js'
import {downloadVerifiedFile} from '../../hub/http-file.js'
import type {S3Object} from '../../pool/download/s3-files.js'
import {packageRoot} from '../../util/paths.js'
import {describeZodError} from '../../util/zod-issue.js'
import {DCLM_DOCUMENT_SUFFIXES} from './documents.js'

/**
 * The DCLM-Pool file lists of evaluators/dclm/pools.yaml: which list a scale has, where it comes
 * from (bundled, or fetched from DCLM's repository at the recorded commit and checked against the
 * recorded git blob id), and the list parsed into S3 objects with the local path each one gets.
 */

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`))
const Manifest = z.strictObject({
  source: z.strictObject({repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/), commit: hex(40), base_url: z.url()}),
  scales: z.record(
    z.string(),
    z.strictObject({path: z.string().regex(/^[\w./-]+\.txt$/), git_blob: hex(40), files: z.number().int().positive().optional(), bundled: z.string().regex(/^[\w./-]+\.gz$/).optional()}),
  ),
})
export type DclmPoolManifest = z.infer<typeof Manifest>

const MANIFEST_DIR = 'evaluators/dclm'
const MANIFEST_FILE = `${MANIFEST_DIR}/pools.yaml`

/** Largest pool list read (bytes): 7b-2x lists hundreds of thousands of URLs. */
export const MAX_LIST_BYTES = 256 << 20

/** evaluators/dclm/pools.yaml. */
export function loadPoolManifest(): DclmPoolManifest {
  const parsed = Manifest.safeParse(parseYaml(readFileSync(join(packageRoot(), MANIFEST_FILE), 'utf8')))
  if (!parsed.success) throw new DcbError('DCB_SUITE_FILE', `${MANIFEST_FILE}: ${describeZodError(parsed.error)}`)
  return parsed.data
}

function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex')
}

/** Where a scale's list came from, for the output. */
export interface PoolListSource {
  scale: string
  url: string
  commit: string
  git_blob: string
  origin: 'bundled' | 'downloaded' | 'cached' | 'user'
}

/**
 * The text of a scale's pool list: the bundled copy, else `cacheDir/<scale>.txt` fetched from DCLM's
 * repository (raw file layout at `baseUrl`) — either way checked against the recorded git blob id.
 */
export async function poolListText(scale: string, cacheDir: string, options: {baseUrl?: string; offline?: boolean} = {}): Promise<{text: string; source: PoolListSource}> {
  const manifest = loadPoolManifest()
  const entry = manifest.scales[scale]
  if (!entry) {
    throw new DcbError('DCB_USAGE', `--scale ${scale}: DCLM ships no pool list for this scale (lists: ${Object.keys(manifest.scales).join(', ')})`, {suggestions: ['pass your own list of s3:// URLs with --list FILE']})
  }
  const url = `${options.baseUrl ?? manifest.source.base_url}/${manifest.source.repo}/${manifest.source.commit}/${entry.path}`
  const source = {scale, url, commit: manifest.source.commit, git_blob: entry.git_blob}
  let bytes: Buffer
  let origin: PoolListSource['origin']
  if (entry.bundled) {
    bytes = gunzipSync(await readFile(join(packageRoot(), MANIFEST_DIR, entry.bundled)), {maxOutputLength: MAX_LIST_BYTES})
    origin = 'bundled'
  } else {
    const dest = join(cacheDir, `${scale}.txt`)
    const have = await readFile(dest).catch(() => undefined)
    if (have && gitBlobId(have) === entry.git_blob) {
      bytes = have
      origin = 'cached'
    } else {
      if (options.offline) throw new DcbError('DCB_POOL_INPUT', `--offline: the ${scale} pool list is not in ${dest}`, {suggestions: ['run once without --offline to fetch it']})
      await downloadVerifiedFile({url, dest, gitBlob: entry.git_blob, maxBytes: MAX_LIST_BYTES})
      bytes = await readFile(dest)
      origin = 'downloaded'
    }
  }
  if (gitBlobId(bytes) !== entry.git_blob) throw new DcbError('DCB_POOL_INPUT', `the ${scale} pool list (${origin}) has git blob ${gitBlobId(bytes)}, ${MANIFEST_FILE} records ${entry.git_blob}`)
  return {text: bytes.toString('utf8'), source: {...source, origin}}
}

/** One pool file: where it is in S3 and where it goes under the pool folder. */
export interface PoolFile extends S3Object {
  /** The list's URL. */
  url: string
  /** File name in `POOL/documents/`. */
  path: string
}

/** S3 bucket names (the rules AWS documents, loosely: 3–63 of lowercase letters, digits, '.', '-'). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

/**
 * Parses a list of `s3://bucket/key` lines (blank lines skipped) into pool files. `rewrite` replaces
 * a URL prefix first (a moved pool, a copy in another bucket). Each file's local name is its key
 * from the `crawl=` folder on (else the whole key) with `/` written as `__`
 * (`crawl=CC-MAIN-2013-20__1368696382185__CC-MAIN-….jsonl.gz`): dcbench's pool readers read one flat
 * `documents/` folder, and the name still says where the file came from; keys with empty, '.' or '..' segments and files that are not JSONL are refused with their line.
 */
export function parsePoolList(text: string, where: string, rewrite?: {from: string; to: string}): PoolFile[] {
  const files: PoolFile[] = []
  const seen = new Set<string>()
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (line === '') continue
    const url = rewrite && line.startsWith(rewrite.from) ? rewrite.to + line.slice(rewrite.from.length) : line
    const bad = (why: string): never => {
      throw new DcbError('DCB_POOL_INPUT', `${where}, line ${i + 1}: ${JSON.stringify(line.slice(0, 200))} ${why}`)
    }
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url)
    if (!match) bad('is not an s3://bucket/key URL')
    const [, bucket, key] = match as unknown as [string, string, string]
    if (!BUCKET.test(bucket)) bad(`names bucket ${JSON.stringify(bucket)}, which is not an S3 bucket name`)
    const segments = key.split('/')
    if (segments.some((s) => s === '' || s === '.' || s === '..') || /[\\\0]/.test(key)) bad('has an empty, ".", ".." segment or a backslash in its key')
    if (!DCLM_DOCUMENT_SUFFIXES.some((s) => key.endsWith(s))) bad(`is not a JSONL file (${DCLM_DOCUMENT_SUFFIXES.join(', ')})`)
    const crawl = segments.findIndex((s) => s.startsWith('crawl='))
    const path = (crawl >= 0 ? segments.slice(crawl) : segments).join('__')
    if (seen.has(path)) bad(`goes to documents/${path}, as an earlier line does`)
    seen.add(path)
    files.push({url, bucket, key, path})
  }
  if (files.length === 0) throw new DcbError('DCB_POOL_INPUT', `${where}: no s3:// URLs`)
  return files
}
