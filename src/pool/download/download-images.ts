import {mkdir, readdir, readFile, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {DcbError} from '../../errors.js'
import type {ProgressListener} from '../../ui/progress.js'
import {removeStaleTemps, writeFileAtomic} from '../../util/atomic-write.js'
import {parseStrictJsonBytes} from '../../util/strict-json.js'
import {shardItems, type Shard} from '../../util/shards.js'
import {downloadShard, shardName, type ShardStats} from './download-shard.js'
import {planShards, readShardRows, type ShardPlan} from './metadata-shards.js'

/**
 * The images of a pool, shard by shard, as img2dataset 1.40 writes them (see download-shard.ts):
 * the shards planned from the metadata files, the ones whose `_stats.json` exists skipped (a resumed
 * run fetches nothing of a finished shard), the rest downloaded one after another. A shard range
 * (`shards: [a, b]`) is a whole unit of work with its own stats files, so cluster tasks can each run
 * one; `summarizeShards` merges every stats file of the folder at the end.
 */

/** img2dataset's parameters that a benchmark fixes (DataComp: datacomp spec §2.5). */
export interface ImageDownloadParams {
  imageSize: number
  samplesPerShard: number
  shardDigits: number
  retries: number
  timeoutSeconds: number
  blur: boolean
}

export interface DownloadImagesOptions {
  /** Folder of the metadata parquet files. */
  metadataDir: string
  /** Folder the shards go to. */
  shardsDir: string
  params: ImageDownloadParams
  /** Inclusive range of shard ids; default all. */
  shards?: readonly [number, number]
  /** Only shard i of N of the range (round-robin over its shard ids: `--shard i/N`, one array task's share). */
  part?: Shard
  /** Downloads in flight (default 64). */
  threads?: number
  /** Requests in flight to one host (default 8). */
  perHost?: number
  onProgress?: ProgressListener
}

/** What a run of the image download did, and what the folder holds now. */
export interface DownloadImagesResult {
  /** Shards of the whole pool (from the metadata). */
  shards_total: number
  /** Shards of the range asked for. */
  shards_in_range: number
  /** Shards this run downloaded, and those it found done. */
  shards_downloaded: number
  shards_skipped: number
  summary: ShardSummary
}

/** Every `_stats.json` of a shards folder added up. */
export interface ShardSummary {
  shards_done: number
  count: number
  successes: number
  failed_to_download: number
  failed_to_resize: number
  status_dict: Record<string, number>
}

function politeness(perHost: number): (host: string) => Promise<() => void> {
  const active = new Map<string, number>()
  const waiting = new Map<string, (() => void)[]>()
  return async (host) => {
    if ((active.get(host) ?? 0) >= perHost) await new Promise<void>((resolve) => waiting.set(host, [...(waiting.get(host) ?? []), resolve]))
    active.set(host, (active.get(host) ?? 0) + 1)
    return () => {
      const left = (active.get(host) ?? 1) - 1
      if (left === 0) active.delete(host)
      else active.set(host, left)
      const queue = waiting.get(host)
      const next = queue?.shift()
      if (queue && queue.length === 0) waiting.delete(host)
      next?.()
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false
}

/** Parses `--shards a-b` (or `a`): an inclusive range of shard ids. */
export function parseShardRange(text: string): [number, number] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim())
  const range: [number, number] | undefined = match ? [Number(match[1]), Number(match[2] ?? match[1])] : undefined
  if (!range || range[0] > range[1]) throw new DcbError('DCB_USAGE', `--shards ${JSON.stringify(text)}: expected a shard id or an inclusive range a-b with a ≤ b (e.g. 0-99)`)
  return range
}

/** The shards a run covers (its range, then its `part`) and those of them not done yet. */
export interface PendingImageShards {
  /** Shards of the whole pool (from the metadata). */
  total: number
  /** The inclusive range of shard ids asked for (the whole pool by default), before `part`. */
  range: [number, number]
  shards: ShardPlan[]
  todo: ShardPlan[]
}

/** Plans the shards from the metadata and finds the unfinished ones (clearing temporaries of dead runs). */
export async function pendingImageShards(options: Omit<DownloadImagesOptions, 'onProgress'>): Promise<PendingImageShards> {
  const {params} = options
  const plan = await planShards(options.metadataDir, params.samplesPerShard, {blur: params.blur})
  const [lo, hi] = options.shards ?? [0, plan.shards.length - 1]
  if (options.shards && hi >= plan.shards.length) {
    throw new DcbError('DCB_USAGE', `--shards ${lo}-${hi}: the metadata makes ${plan.shards.length} shards (0-${plan.shards.length - 1})`)
  }
  const inRange = plan.shards.filter((s) => s.id >= lo && s.id <= hi)
  const shards = options.part ? shardItems(inRange, options.part, 'image shard') : inRange
  const todo = []
  for (const shard of shards) {
    const name = shardName(shard.id, params.shardDigits)
    await removeStaleTemps(join(options.shardsDir, `${name}.tar`))
    await removeStaleTemps(join(options.shardsDir, `${name}_stats.json`))
    if (!((await exists(join(options.shardsDir, `${name}_stats.json`))) && (await exists(join(options.shardsDir, `${name}.tar`))))) todo.push(shard)
  }
  return {total: plan.shards.length, range: [lo, Math.min(hi, plan.shards.length - 1)], shards, todo}
}

/** Downloads the images of the shards in range that are not done yet. */
export async function downloadImages(options: DownloadImagesOptions): Promise<DownloadImagesResult> {
  const {params} = options
  const {total: shardsTotal, shards: inRange, todo} = await pendingImageShards(options)
  await mkdir(options.shardsDir, {recursive: true})
  const total = todo.reduce((sum, s) => sum + s.count, 0)
  let done = 0
  const acquireHost = politeness(options.perHost ?? 8)
  options.onProgress?.({done, total, detail: `${todo.length} shard(s) to download`})
  for (const shard of todo) {
    const rows = await readShardRows(shard, {blur: params.blur})
    try {
      await downloadShard({
        shard,
        rows,
        dir: options.shardsDir,
        imageSize: params.imageSize,
        threads: options.threads ?? 64,
        shardDigits: params.shardDigits,
        sampleDigits: Math.ceil(Math.log10(params.samplesPerShard)),
        blur: params.blur,
        timeoutSeconds: params.timeoutSeconds,
        retries: params.retries,
        acquireHost,
        onSample: () => options.onProgress?.({done: ++done, total, detail: `shard ${shard.id}`}),
      })
    } catch (error) {
      throw diskError(error, options.shardsDir, shard.id) ?? error
    }
  }
  return {shards_total: shardsTotal, shards_in_range: inRange.length, shards_downloaded: todo.length, shards_skipped: inRange.length - todo.length, summary: await summarizeShards(options.shardsDir)}
}

/** What the file system says when a path cannot be written for a reason the user can fix. */
const UNWRITABLE = new Set(['EISDIR', 'ENOTDIR', 'EACCES', 'EPERM', 'EROFS'])

/** A full disk (or quota), or a path that cannot be written, as one line; undefined for other errors. */
export function diskError(error: unknown, dir: string, shard?: number): DcbError | undefined {
  const code = (error as NodeJS.ErrnoException).code
  if (code !== undefined && UNWRITABLE.has(code)) {
    return new DcbError('DCB_DISK_WRITE', `${dir}: cannot write${shard === undefined ? '' : ` shard ${shard}`}: ${(error as Error).message.split('\n')[0]}; what was finished is kept`, {
      suggestions: ['make the path writable (a folder or file in the way, permissions, a read-only mount), then run the same command again: it resumes'],
    })
  }
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return undefined
  return new DcbError('DCB_DISK_FULL', `${dir}: no space left on the device${shard === undefined ? '' : ` while writing shard ${shard}`} (${code}); the unfinished file was removed, finished shards are kept`, {
    suggestions: ['free space (or pass another --out), then run the same command again: it resumes after the finished shards'],
  })
}

const MAX_STATS_BYTES = 1 << 24

/**
 * Adds up every `{shard}_stats.json` of a shards folder: the merge step after shard ranges were
 * downloaded separately (cluster array tasks), and the summary of what a pool copy holds.
 */
export async function summarizeShards(shardsDir: string): Promise<ShardSummary> {
  const summary: ShardSummary = {shards_done: 0, count: 0, successes: 0, failed_to_download: 0, failed_to_resize: 0, status_dict: {}}
  const names = (await readdir(shardsDir).catch(() => [] as string[])).filter((n) => /^\d+_stats\.json$/.test(n)).sort()
  for (const name of names) {
    const file = join(shardsDir, name)
    const bytes = await readFile(file)
    if (bytes.length > MAX_STATS_BYTES) throw new DcbError('DCB_POOL_INPUT', `${file}: ${bytes.length} bytes, more than a shard's stats file holds (${MAX_STATS_BYTES})`)
    let stats: Partial<ShardStats>
    try {
      stats = parseStrictJsonBytes(bytes) as Partial<ShardStats>
    } catch (error) {
      throw new DcbError('DCB_POOL_INPUT', `${file}: not valid JSON (${(error as Error).message})`)
    }
    const number = (field: keyof ShardSummary): number => {
      const value = (stats as Record<string, unknown>)[field]
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new DcbError('DCB_POOL_INPUT', `${file}: "${field}" is ${JSON.stringify(value)}, expected a count`)
      return value
    }
    summary.shards_done++
    summary.count += number('count')
    summary.successes += number('successes')
    summary.failed_to_download += number('failed_to_download')
    summary.failed_to_resize += number('failed_to_resize')
    for (const [key, value] of Object.entries(stats.status_dict ?? {})) if (typeof value === 'number') summary.status_dict[key] = (summary.status_dict[key] ?? 0) + value
  }
  return summary
}

/** Writes the summary beside the shards folder's parent (`POOL/download_summary.json`). */
export async function writeSummary(file: string, summary: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(summary, null, 2)}\n`)
}
