import {readFile, stat, statfs} from 'node:fs/promises'
import {join} from 'node:path'

import {DcbError} from '../../errors.js'
import {diskError, writeSummary} from '../../pool/download/download-images.js'
import {createS3Client, downloadObject, headObject, mapLimit, type S3Head} from '../../pool/download/s3-files.js'
import {formatBytes} from '../../ui/bytes.js'
import type {DownloadPlan, PoolDownloader, PoolDownloadOptions} from '../benchmark.js'
import {MAX_LIST_BYTES, parsePoolList, poolListText, type PoolFile} from './pool-list.js'
import type {DclmDerived, DclmRecipe} from './recipe.js'

/**
 * `bench pool download --benchmark dclm`: the scale's DCLM-Pool files (the list DCLM ships,
 * evaluators/dclm/pools.yaml) from S3 with the user's credentials into POOL/documents/ (flat, named crawl=…__…),
 * sizes first, resumable, each file checked (size, and MD5 where the ETag is one). Files missing
 * from the bucket are named at the end (DCB_POOL_INCOMPLETE) after the others are downloaded.
 */

/** HeadObject requests in flight, and downloads in flight. */
const HEAD_CONCURRENCY = 32
const DOWNLOAD_CONCURRENCY = 8

async function readUserList(file: string): Promise<string> {
  const info = await stat(file).catch(() => undefined)
  if (!info?.isFile()) throw new DcbError('DCB_POOL_INPUT', `--list ${file}: no such file`)
  if (info.size > MAX_LIST_BYTES) throw new DcbError('DCB_POOL_INPUT', `--list ${file}: ${info.size} bytes, more than a pool list's ${MAX_LIST_BYTES}`)
  return readFile(file, 'utf8')
}

export const dclmPoolDownloader: PoolDownloader<DclmRecipe, DclmDerived> = {
  async run(options: PoolDownloadOptions<DclmRecipe, DclmDerived>) {
    const scale = options.scale.scale
    if (options.shards || options.part || options.shardRunner) {
      // one process fetches the files, 8 in flight: S3's bandwidth, not a node's CPU, is the limit
      throw new DcbError('DCB_USAGE', `${options.shardRunner ? (options.shardRunnerFlag ?? '--executor slurm') : options.shards ? '--shards' : '--shard'} splits DataComp's image shards; DCLM's pool files are fetched from S3 by one process`, {suggestions: ['run bench pool download --benchmark dclm without it (it resumes file by file)']})
    }
    const list = options.listFile
      ? {text: await readUserList(options.listFile), source: {scale, url: options.listFile, origin: 'user' as const}}
      : await poolListText(scale, join(options.out, '.pool-lists'), {offline: options.offline})
    const files = parsePoolList(list.text, list.source.url, options.rewrite)
    const client = createS3Client({endpoint: options.s3Endpoint})

    // Sizes first.
    let asked = 0
    const heads: S3Head[] = await mapLimit(files, HEAD_CONCURRENCY, async (file) => {
      const head = await headObject(client, file)
      options.onProgress?.({task: 'sizes', done: ++asked, total: files.length})
      return head
    })
    const present = files.flatMap((file, i) => ('size' in (heads[i] as S3Head) ? [{file, head: heads[i] as {size: number; etag?: string}}] : []))
    const missing = files.filter((_, i) => 'missing' in (heads[i] as S3Head))
    const totalBytes = present.reduce((sum, p) => sum + p.head.size, 0)
    const dest = (file: PoolFile): string => join(options.out, 'documents', file.path)
    const json: Record<string, unknown> = {scale, list: list.source, files: files.length, missing: missing.length, total_bytes: totalBytes}
    if (options.listOnly) {
      const lines = [...present.map((p) => `${p.head.size}\t${p.file.url}`), ...missing.map((f) => `missing\t${f.url}`)]
      json.entries = [...present.map((p) => ({url: p.file.url, path: p.file.path, bytes: p.head.size})), ...missing.map((f) => ({url: f.url, path: f.path, bytes: null}))]
      return {json, text: [...lines, `${files.length} files, ${formatBytes(totalBytes)} (${totalBytes} bytes)${missing.length ? `; ${missing.length} not in the bucket` : ''}`].join('\n')}
    }
    const todo = []
    for (const p of present) if ((await stat(dest(p.file)).catch(() => undefined))?.size !== p.head.size) todo.push(p)
    const toFetch = todo.reduce((sum, p) => sum + p.head.size, 0)
    const free = await statfs(options.out).then((s) => s.bavail * s.bsize).catch(() => undefined)
    const plan: DownloadPlan = {tasks: [{key: `${todo.length} of ${files.length} files`, source: `s3://${files[0]?.bucket ?? ''}/…`, bytes: toFetch}], totalBytes: toFetch, unit: 'part', freeBytes: free}
    if (toFetch > 0) await options.confirm?.(plan)

    let done = 0
    let downloaded = 0
    try {
      await mapLimit(todo, DOWNLOAD_CONCURRENCY, async (p) => {
        downloaded += await downloadObject(client, p.file, dest(p.file), p.head, (n) => options.onProgress?.({task: 'documents', done: (done += n), total: toFetch, detail: p.file.path}))
      })
    } catch (error) {
      throw diskError(error, join(options.out, 'documents')) ?? error
    }
    Object.assign(json, {downloaded_files: todo.length, downloaded_bytes: downloaded, kept_files: present.length - todo.length})
    await writeSummary(join(options.out, 'download_summary.json'), {...json, missing_urls: missing.map((f) => f.url)})
    if (missing.length > 0) {
      throw new DcbError('DCB_POOL_INCOMPLETE', `${missing.length} of ${files.length} files of the ${scale} pool list are not in the bucket (first: ${missing[0]?.url}); the other ${present.length} are in ${join(options.out, 'documents')}`, {
        suggestions: ['the list of missing files is in download_summary.json; if the pool moved, rewrite the prefix with --prefix-from/--prefix-to'],
      })
    }
    return {json, text: `${present.length} files (${formatBytes(totalBytes)}) in ${join(options.out, 'documents')}: ${todo.length} downloaded (${formatBytes(downloaded)}), ${present.length - todo.length} already there; list ${list.source.url}`}
  },
}
