import {createHash} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {pipeline} from 'node:stream/promises'

import tar from 'tar-stream'

import {PyInt, pythonJsonDumps} from '../../util/python-json.js'
import {tempPathFor} from '../../util/atomic-write.js'
import {fetchImage, type FetchImageOptions} from './fetch-image.js'
import {transformImage} from './image-transform.js'
import type {MetadataRow, ShardPlan} from './metadata-shards.js'

/**
 * One shard of img2dataset 1.40's webdataset output (downloader.py `download_shard`, writer.py
 * WebDatasetSampleWriter, logger.py `write_stats`): the rows' images fetched with bounded
 * concurrency, each success written as `{key}.jpg`, `{key}.json` (the metadata img2dataset writes,
 * json.dumps indent 4), `{key}.txt` (the caption) in the order samples complete, failures counted
 * by their error text; then `{shard}_stats.json`. The tar and the stats file are written beside their
 * names and renamed into place, tar first: a stats file means its shard is whole, which is how a
 * resumed download (img2dataset's incremental mode) knows what is done.
 *
 * Deviation: img2dataset also writes `{shard}.parquet` with every row's metadata (failures too);
 * dcbench does not (nothing in DataComp's pipeline reads it). The `exif` field is null: dcbench
 * does not run exifread.
 */

/** img2dataset's `_stats.json`. */
export interface ShardStats {
  count: number
  successes: number
  failed_to_download: number
  failed_to_resize: number
  duration: number
  start_time: number
  end_time: number
  /** Error text (or "success") → how many samples. */
  status_dict: Record<string, number>
}

export interface DownloadShardOptions extends FetchImageOptions {
  shard: ShardPlan
  rows: readonly MetadataRow[]
  /** The shards folder. */
  dir: string
  /** Longest side after resizing (DataComp: 512). */
  imageSize: number
  /** Downloads in flight (img2dataset's thread_count). */
  threads: number
  /** Digits of a shard name (oom_shard_count: 8). */
  shardDigits: number
  /** Digits of a sample's index within its shard: ⌈log10(number_sample_per_shard)⌉ (4). */
  sampleDigits: number
  /** Whether `face_bboxes` is saved and blurred. */
  blur: boolean
  onSample?: () => void
}

/** The shard's file name stem: the id with `shardDigits` digits. */
export function shardName(id: number, digits: number): string {
  return String(id).padStart(digits, '0')
}

/** downloader.py compute_key: 10^sampleDigits × shard + index, zero-padded to both digit counts. */
export function sampleKey(shard: number, index: number, shardDigits: number, sampleDigits: number): string {
  return String(10 ** sampleDigits * shard + index).padStart(shardDigits + sampleDigits, '0')
}

/** A bound on promises in flight. */
function limiter(size: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0
  const waiting: (() => void)[] = []
  return async (task) => {
    if (active >= size) await new Promise<void>((resolve) => waiting.push(resolve))
    active++
    try {
      return await task()
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}

/** Downloads one shard into `dir`; returns its stats (also written as `{shard}_stats.json`). */
export async function downloadShard(options: DownloadShardOptions): Promise<ShardStats> {
  const {shard, rows} = options
  const startTime = Date.now() / 1000
  const name = shardName(shard.id, options.shardDigits)
  const tarPath = join(options.dir, `${name}.tar`)
  const statsPath = join(options.dir, `${name}_stats.json`)
  const tarTemp = tempPathFor(tarPath)
  const statsTemp = tempPathFor(statsPath)
  const stats: ShardStats = {count: rows.length, successes: 0, failed_to_download: 0, failed_to_resize: 0, duration: 0, start_time: startTime, end_time: 0, status_dict: {}}
  const count = (key: string): void => {
    stats.status_dict[key] = (stats.status_dict[key] ?? 0) + 1
  }
  const pack = tar.pack()
  const written = pipeline(pack, createWriteStream(tarTemp, {flags: 'wx'}))
  // A failed write (a full disk) ends the shard rather than leaving entries waiting on a dead stream.
  const writeFailed = written.then(() => new Promise<never>(() => {}))
  writeFailed.catch(() => {})
  // Samples enter the tar one at a time, in the order they complete (img2dataset's imap_unordered).
  let tail: Promise<void> = Promise.resolve()
  const append = (key: string, members: [string, Buffer][]): Promise<void> => {
    tail = tail.then(async () => {
      const mtime = new Date()
      for (const [ext, body] of members) {
        const entry = new Promise<void>((resolve, reject) => {
          const sink = pack.entry({name: `${key}.${ext}`, size: body.length, mtime, mode: 0o444, uname: 'bigdata', gname: 'bigdata'}, body, (error) => (error ? reject(error) : resolve()))
          // A destroyed pack (the file could not be written) errors its entries too; the pipeline reports why.
          sink.on('error', reject)
        })
        await Promise.race([entry, writeFailed])
      }
    })
    return tail
  }
  const limit = limiter(options.threads)
  const work = rows.map((row, index) =>
    limit(async () => {
      const fetched = await fetchImage(row.url, options)
      const key = sampleKey(shard.id, index, options.shardDigits, options.sampleDigits)
      try {
        if (!fetched.ok) {
          stats.failed_to_download++
          count(fetched.error)
          return
        }
        const image = await transformImage(fetched.bytes, options.imageSize, options.blur ? row.faces : null)
        if (!image.ok) {
          stats.failed_to_resize++
          count(image.error)
          return
        }
        stats.successes++
        count('success')
        const meta = {
          uid: row.uid,
          ...(options.blur ? {face_bboxes: row.faces} : {}),
          caption: row.caption,
          url: row.url,
          key,
          status: 'success',
          error_message: null,
          width: new PyInt(image.width),
          height: new PyInt(image.height),
          original_width: new PyInt(image.originalWidth),
          original_height: new PyInt(image.originalHeight),
          exif: null,
          sha256: createHash('sha256').update(fetched.bytes).digest('hex'),
        }
        await append(key, [
          ['jpg', image.jpeg],
          ['json', Buffer.from(pythonJsonDumps(meta, {indent: 4}))],
          ['txt', Buffer.from(row.caption ?? '')],
        ])
      } finally {
        options.onSample?.()
      }
    }),
  )
  try {
    await Promise.all(work)
    await tail
    pack.finalize()
    await written
    stats.end_time = Date.now() / 1000
    stats.duration = stats.end_time - stats.start_time
    const json = pythonJsonDumps({...stats, count: new PyInt(stats.count), successes: new PyInt(stats.successes), failed_to_download: new PyInt(stats.failed_to_download), failed_to_resize: new PyInt(stats.failed_to_resize), status_dict: Object.fromEntries(Object.entries(stats.status_dict).map(([k, v]) => [k, new PyInt(v)]))}, {indent: 4})
    await writeFile(statsTemp, json, {flag: 'wx'})
    // The tar first: a stats file names a whole shard.
    await rename(tarTemp, tarPath)
    await rename(statsTemp, statsPath)
  } catch (error) {
    pack.destroy()
    await written.catch(() => {})
    await rm(tarTemp, {force: true})
    await rm(statsTemp, {force: true})
    throw error
  }
  return stats
}
