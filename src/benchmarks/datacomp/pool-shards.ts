import {readdir, stat} from 'node:fs/promises'
import {basename, join} from 'node:path'

import {readTarSamples, TarFormatError, type ReadTarOptions} from '../../contracts/webdataset.js'
import {DcbError} from '../../errors.js'
import {asJsonObject, readJsonFile} from '../../util/json-file.js'
import {fileKind, regularFileSize} from '../../util/regular-file.js'
import {parseStrictJsonBytes, StrictJsonError} from '../../util/strict-json.js'

/**
 * Reading DataComp pool shards: img2dataset's webdataset output (datacomp spec §2.4–2.5),
 * `shards/{00000000..}.tar` with `{key}.jpg`, `{key}.txt`, `{key}.json` members and
 * `{00000000..}_stats.json` beside each tar. tar-stream parses the tars as streams, so a shard of any
 * size is read in constant memory.
 */

/** One sample of a shard: the members sharing a webdataset key. */
export interface DataCompSample {
  /** The tar it came from. */
  shard: string
  /** The webdataset key (img2dataset: 8-digit shard id + 4-digit index). */
  key: string
  /** The uid from the `.json` member, lowercase hex as stored. */
  uid: string
  /** The members by extension (`jpg`, `txt`, `json`, …), bytes as stored. */
  members: Record<string, Buffer>
}

/** img2dataset's `{shard}_stats.json` is a few hundred bytes; a larger one is refused unread. */
const MAX_STATS_BYTES = 1 << 16

/** A shard and what its stats file says. */
export interface DataCompShard {
  tar: string
  /** `successes` from `{shard}_stats.json`, when the file exists. */
  successes?: number
  /** Samples the download lost (img2dataset's `failed_to_download` + `failed_to_resize`), when the stats file says. */
  failed?: number
}

/**
 * The shard tars of a pool: `POOL/shards/*.tar` for a pool directory, the `*.tar` files of any other
 * directory, or the given tar files — in name order, each with its stats count.
 */
export async function listDataCompShards(paths: string | readonly string[]): Promise<DataCompShard[]> {
  const tars: string[] = []
  for (const path of typeof paths === 'string' ? [paths] : paths) {
    const info = await stat(path).catch(() => undefined)
    if (!info) throw new DcbError('DCB_POOL_INPUT', `DataComp pool ${path}: no such file or directory`)
    if (info.isDirectory()) {
      const shardsDir = (await stat(join(path, 'shards')).catch(() => undefined))?.isDirectory() ? join(path, 'shards') : path
      const names = (await readdir(shardsDir)).filter((n) => n.endsWith('.tar')).sort()
      if (names.length === 0) {
        const metadataOnly = (await readdir(join(path, 'metadata')).catch(() => [] as string[])).some((n) => n.endsWith('.parquet'))
        throw new DcbError('DCB_POOL_INPUT', `DataComp pool ${path}: no .tar shards in ${shardsDir}${metadataOnly ? ': a metadata-only pool (metadata/*.parquet: uids, urls, captions, no images); filter and reshard need the downloaded shards' : ''}`, {
          suggestions: metadataOnly ? ["download the images into POOL/shards/ with DataComp's download_upstream.py (img2dataset), or filter on metadata columns with your own script and write the subset .npy"] : [],
        })
      }
      tars.push(...names.map((n) => join(shardsDir, n)))
    } else if (info.isFile()) {
      tars.push(path)
    } else {
      throw new DcbError('DCB_POOL_INPUT', `DataComp pool ${path}: not a regular file (${fileKind(info)})`)
    }
  }
  const shards: DataCompShard[] = []
  for (const file of tars) {
    const statsFile = file.replace(/\.tar$/, '_stats.json')
    const stats = asJsonObject(await readJsonFile(statsFile, {code: 'DCB_POOL_INPUT', what: `DataComp shard stats ${statsFile}`, maxBytes: MAX_STATS_BYTES, allowMissing: true}))
    const failures = [stats?.failed_to_download, stats?.failed_to_resize]
    const failed = failures.every((n) => typeof n === 'number') ? (failures as number[]).reduce((a, b) => a + b, 0) : undefined
    shards.push({tar: file, successes: typeof stats?.successes === 'number' ? stats.successes : undefined, failed})
  }
  return shards
}

/**
 * Every sample of every shard of a pool, in shard then tar order (members with the same key in a
 * row form a sample, as webdataset groups them). The uid comes from the sample's `.json` member; a
 * sample without one, or with a json that has no string `uid`, is an error naming shard and key.
 */
export async function* iterateDataCompSamples(pool: string | readonly string[]): AsyncGenerator<DataCompSample> {
  for (const shard of await listDataCompShards(pool)) yield* iterateShardSamples(shard.tar)
}

/**
 * The samples of one shard tar. `options.keep` limits the members held (the others are read past);
 * the `json` member is always held, for the uid.
 */
export async function* iterateShardSamples(tarFile: string, options: ReadTarOptions = {}): AsyncGenerator<DataCompSample> {
  const keep = options.keep
  await regularFileSize(tarFile, {code: 'DCB_POOL_INPUT', what: `DataComp shard ${tarFile}`})
  try {
    for await (const sample of readTarSamples(tarFile, {...options, keep: keep && ((ext) => ext === 'json' || keep(ext))})) {
      yield {shard: tarFile, key: sample.key, uid: uidOf(tarFile, sample.key, sample.members.get('json')), members: Object.fromEntries(sample.members)}
    }
  } catch (error) {
    if (error instanceof DcbError) throw error
    const e = error as NodeJS.ErrnoException
    const problem = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : error instanceof TarFormatError ? e.message : `not a readable tar (${e.message.split('\n')[0]})`
    throw new DcbError('DCB_POOL_INPUT', `DataComp shard ${tarFile}: ${problem}`)
  }
}

function uidOf(tarFile: string, key: string, json: Buffer | undefined): string {
  const where = `DataComp shard ${tarFile}, sample ${basename(key)}`
  if (!json) throw new DcbError('DCB_POOL_INPUT', `${where}: no .json member, so no uid`)
  let meta: unknown
  try {
    meta = parseStrictJsonBytes(json)
  } catch (error) {
    if (!(error instanceof StrictJsonError)) throw error
    throw new DcbError('DCB_POOL_INPUT', `${where}: .json member is not valid JSON (${error.message})`)
  }
  const uid = (meta as {uid?: unknown} | null)?.uid
  if (typeof uid !== 'string') throw new DcbError('DCB_POOL_INPUT', `${where}: .json has no string "uid" field`)
  return uid
}
