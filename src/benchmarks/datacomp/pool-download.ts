import {statfs} from 'node:fs/promises'
import {join} from 'node:path'

import {DcbError} from '../../errors.js'
import {diskError, downloadImages, pendingImageShards, writeSummary, type ImageDownloadParams} from '../../pool/download/download-images.js'
import {fetchHubMetadata, localMetadata, planHubMetadata} from '../../pool/download/hub-metadata.js'
import {formatBytes} from '../../ui/bytes.js'
import type {DownloadPlan, PoolDownloader, PoolDownloadOptions} from '../benchmark.js'
import type {DataCompDerived, DataCompRecipe} from './recipe.js'

/**
 * `bench pool download --benchmark datacomp`: what DataComp's download_upstream.py does (datacomp
 * spec §2.1, §2.5) — the scale's metadata parquet files (and with --npz the CLIP features) from
 * `mlfoundations/datacomp_<scale>` into POOL/metadata, then the images from their URLs into
 * POOL/shards with img2dataset 1.40's behaviour under DataComp's fixed parameters.
 */

/** download_upstream.py's img2dataset parameters (spec §2.5); timeout is img2dataset's default. */
export const DATACOMP_IMAGE_PARAMS: Omit<ImageDownloadParams, 'blur'> = {imageSize: 512, samplesPerShard: 10_000, shardDigits: 8, retries: 2, timeoutSeconds: 10}

/** The scales whose pools are on the hub. */
const HUB_SCALES = ['small', 'medium', 'large', 'xlarge']

/**
 * Average bytes of one downloaded image: the spec's table (450 GB of tars for small's 12.8 M
 * samples). Only for the size printed before the images are fetched, marked as an estimate.
 */
export const IMAGE_BYTES_ESTIMATE = 450e9 / 12.8e6

export const dataCompPoolDownloader: PoolDownloader<DataCompRecipe, DataCompDerived> = {
  async run(options: PoolDownloadOptions<DataCompRecipe, DataCompDerived>) {
    const scale = options.scale.scale
    if (!HUB_SCALES.includes(scale)) {
      throw new DcbError('DCB_USAGE', `--scale ${scale}: DataComp has no official pool at this scale (pools: ${HUB_SCALES.join(', ')})`, {suggestions: [`bench pool synth --benchmark datacomp --scale ${scale} makes a synthetic one`]})
    }
    const repo = `mlfoundations/datacomp_${scale}`
    const metadataDir = join(options.out, 'metadata')
    const shardsDir = join(options.out, 'shards')
    const suffixes = [...(options.metadata ? ['.parquet'] : []), ...(options.npz ? ['.npz'] : [])]
    const hub = {repo, cacheDir: options.cacheDir ?? join(options.out, '.hf-cache'), suffixes, revision: options.revision, hubUrl: options.hubUrl, accessToken: options.accessToken}
    const hubPlan = suffixes.length > 0 && !options.offline ? await planHubMetadata(hub) : undefined

    // Sizes first: the hub's files, an estimate of the images, and the free disk.
    const poolSize = options.scale.recipe.pool_size
    const shardCount = Math.ceil(poolSize / DATACOMP_IMAGE_PARAMS.samplesPerShard)
    const [lo, hi] = options.shards ?? [0, shardCount - 1]
    const imageBytes = options.images ? Math.round(Math.max(0, Math.min(hi, shardCount - 1) - lo + 1) * DATACOMP_IMAGE_PARAMS.samplesPerShard * IMAGE_BYTES_ESTIMATE) : 0
    const tasks: DownloadPlan['tasks'] = []
    if (hubPlan) {
      for (const suffix of suffixes) {
        const files = hubPlan.files.filter((f) => f.path.endsWith(suffix))
        tasks.push({key: `${files.length} ${suffix.slice(1)} file(s)`, source: `hub ${repo}@${hubPlan.commit.slice(0, 12)}`, bytes: files.reduce((sum, f) => sum + f.size, 0)})
      }
    }
    if (options.images) tasks.push({key: 'images', source: 'image URLs (img2dataset parameters)', bytes: imageBytes})
    const free = await statfs(options.out).then((s) => s.bavail * s.bsize).catch(() => undefined)
    const plan: DownloadPlan = {tasks, totalBytes: (hubPlan?.missingBytes ?? 0) + imageBytes, unit: 'part', freeBytes: free, estimated: options.images ? ['images'] : []}
    if (plan.totalBytes > 0) await options.confirm?.(plan)

    const lines: string[] = []
    const json: Record<string, unknown> = {scale, repo, out: options.out}
    if (hubPlan) {
      try {
        const fetched = await fetchHubMetadata({...hub, plan: hubPlan, dir: metadataDir, onProgress: (done, total, file) => options.onProgress?.({task: 'metadata', done, total, detail: file})})
        json.metadata = {commit: hubPlan.commit, files: fetched.files.length, downloaded_bytes: fetched.downloadedBytes}
        lines.push(`metadata: ${fetched.files.length} file(s) from ${repo}@${hubPlan.commit.slice(0, 12)} in ${metadataDir} (${formatBytes(fetched.downloadedBytes)} downloaded)`)
      } catch (error) {
        throw diskError(error, metadataDir) ?? error
      }
    } else if (suffixes.length > 0) {
      const have = await localMetadata(metadataDir, suffixes)
      if (have.length === 0) throw new DcbError('DCB_POOL_INPUT', `no ${suffixes.join('/')} files in ${metadataDir}, and hub requests are off (--offline, --skip-metadata, HF_HUB_OFFLINE=1 or --dry-run)`, {suggestions: ['download them first: the same command without those flags (or with --metadata-only)']})
      lines.push(`metadata: ${have.length} file(s) already in ${metadataDir} (offline)`)
    }
    if (options.images) {
      const imageOptions = {
        metadataDir,
        shardsDir,
        params: {...DATACOMP_IMAGE_PARAMS, blur: options.blur, timeoutSeconds: options.timeoutSeconds ?? DATACOMP_IMAGE_PARAMS.timeoutSeconds},
        shards: options.shards,
        part: options.part,
        threads: options.threads,
        perHost: options.perHost,
      }
      let elsewhere: number | undefined
      if (options.shardRunner) {
        const pending = await pendingImageShards(imageOptions)
        const work = {first: pending.range[0], last: pending.range[1], todo: pending.todo.length}
        if (!(await options.shardRunner(work))) return {json: {...json, images: {planned: work}}, text: lines.join('\n')}
        elsewhere = work.todo
      }
      const images = await downloadImages({...imageOptions, onProgress: (e) => options.onProgress?.({task: 'images', ...e})})
      // shards a job array downloaded count as downloaded by this command, not as found done
      if (elsewhere !== undefined) Object.assign(images, {shards_downloaded: elsewhere, shards_skipped: images.shards_in_range - elsewhere})
      const s = images.summary
      // How much of the pool this copy holds: link rot makes every copy a different subset.
      const summary = {...images, pool_rows: poolSize, blurred: options.blur, success_fraction_of_attempted: s.count > 0 ? s.successes / s.count : 0}
      await writeSummary(join(options.out, 'download_summary.json'), summary)
      json.images = summary
      lines.push(`images: ${images.shards_downloaded} shard(s) downloaded, ${images.shards_skipped} already done; the folder holds ${s.shards_done} of ${images.shards_total} shards`)
      lines.push(`  ${s.successes} of ${s.count} samples attempted were downloaded (${((100 * s.successes) / Math.max(1, s.count)).toFixed(1)}%): ${s.failed_to_download} failed to download, ${s.failed_to_resize} failed to decode or resize`)
      if (!options.blur) lines.push('  face blurring was off (--skip-bbox-blurring): this is not the official pool')
    }
    return {json, text: lines.join('\n')}
  },
}
