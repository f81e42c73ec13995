import {createHash} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {pipeline} from 'node:stream/promises'

import {parquetWriteBuffer} from 'hyparquet-writer'
import tar from 'tar-stream'

import type {ProgressListener} from '../../ui/progress.js'
import {createRng, type Rng} from '../../util/rng.js'
import {SynthEmbeddings} from './synth-embeddings.js'
import {
  blankSample,
  cleanSample,
  encodeJpeg,
  IMAGE_SIZE,
  mismatchedSample,
  nearDuplicateSample,
  nondescriptiveSample,
  type ImageQuality,
  type ImageSample,
} from '../../world/index.js'

/**
 * Tiny DataComp pools in the real on-disk layout (docs/contracts.md, datacomp spec §2.1–2.5):
 * img2dataset-style webdataset shards and one metadata parquet with the spec §2.2 columns plus a
 * ground-truth `quality` column, and its `.npz` embeddings (synth-embeddings.ts).
 */

/** Share of each quality in a synthetic DataComp pool (sums to 1). */
export const DATACOMP_QUALITY_MIX: Readonly<Record<ImageQuality, number>> = {
  clean: 0.5,
  mismatched_caption: 0.2,
  nondescriptive_caption: 0.1,
  near_duplicate: 0.1,
  blank_image: 0.1,
}

/**
 * Stand-ins for the CLIP similarity columns: normal around a mean per quality. They are NOT computed
 * by a CLIP model; they only make a CLIP-score filter a useful but imperfect heuristic (the
 * distributions overlap), as the real scores are.
 */
export const SYNTHETIC_CLIP_SCORE: Readonly<Record<ImageQuality, {mean: number; sd: number}>> = {
  clean: {mean: 0.32, sd: 0.04},
  near_duplicate: {mean: 0.32, sd: 0.04},
  mismatched_caption: {mean: 0.21, sd: 0.045},
  nondescriptive_caption: {mean: 0.18, sd: 0.04},
  blank_image: {mean: 0.15, sd: 0.04},
}

const PROGRESS_EVERY = 1000

/** img2dataset's `number_sample_per_shard` (datacomp spec §2.5). */
export const SAMPLES_PER_SHARD = 10_000

export interface SynthDataCompOptions {
  /** Folder to fill (must exist and be empty). */
  dir: string
  count: number
  seed: number
  scale: string
  onProgress?: ProgressListener
}

/** What was written. */
export interface SynthDataCompResult {
  count: number
  shards: string[]
  metadata: string
  qualities: Record<ImageQuality, number>
}

interface Row {
  uid: string
  url: string
  text: string
  original_width: bigint
  original_height: bigint
  sha256: string
  clip_b32_similarity_score: number
  clip_l14_similarity_score: number
  quality: ImageQuality
}

/** Generates the pool into `dir` (shards/, metadata/). */
export async function synthesizeDataComp(options: SynthDataCompOptions): Promise<SynthDataCompResult> {
  const root = createRng(`pool:datacomp:${options.seed}`)
  const kinds = root.fork('qualities')
  const recentClean: ImageSample[] = []
  const rows: Row[] = []
  const embeddings = new SynthEmbeddings()
  const qualities = Object.fromEntries(Object.keys(DATACOMP_QUALITY_MIX).map((k) => [k, 0])) as Record<ImageQuality, number>
  const shards: string[] = []
  await mkdir(join(options.dir, 'shards'), {recursive: true})
  await mkdir(join(options.dir, 'metadata'), {recursive: true})

  const shardCount = Math.ceil(options.count / SAMPLES_PER_SHARD)
  for (let shard = 0; shard < shardCount; shard++) {
    const first = shard * SAMPLES_PER_SHARD
    const last = Math.min(options.count, first + SAMPLES_PER_SHARD)
    const tarName = join(options.dir, 'shards', `${pad(shard, 8)}.tar`)
    const pack = tar.pack()
    const done = pipeline(pack, createWriteStream(tarName))
    for (let blockStart = first; blockStart < last; blockStart += PROGRESS_EVERY) {
      const samples: {key: string; sample: ImageSample; rng: Rng}[] = []
      for (let i = blockStart; i < Math.min(last, blockStart + PROGRESS_EVERY); i++) {
        const rng = root.fork(`sample-${i}`)
        let quality = drawQuality(kinds)
        if (quality === 'near_duplicate' && recentClean.length === 0) quality = 'clean'
        const sample = generate(quality, rng, recentClean)
        if (sample.quality === 'clean') {
          recentClean.push(sample)
          if (recentClean.length > 500) recentClean.shift()
        }
        qualities[sample.quality]++
        samples.push({key: `${pad(shard, 8)}${pad(i - first, 4)}`, sample, rng})
      }
      const jpegs = await encodeAll(samples.map((s) => s.sample))
      for (const [j, {key, sample, rng}] of samples.entries()) {
        const jpeg = jpegs[j] as Buffer
        const uid = uidFrom(rng)
        const sha = createHash('sha256').update(jpeg).digest('hex')
        const originalWidth = 150 + rng.int(875)
        const originalHeight = 150 + rng.int(875)
        const url = `https://images.synthetic.dcbench.invalid/${uid.slice(0, 2)}/${uid}.jpg`
        const meta = {
          url,
          caption: sample.caption,
          key,
          status: 'success',
          error_message: null,
          width: IMAGE_SIZE,
          height: IMAGE_SIZE,
          original_width: originalWidth,
          original_height: originalHeight,
          sha256: sha,
          uid,
        }
        await addEntry(pack, `${key}.jpg`, jpeg)
        await addEntry(pack, `${key}.txt`, Buffer.from(sample.caption, 'utf8'))
        await addEntry(pack, `${key}.json`, Buffer.from(JSON.stringify(meta), 'utf8'))
        const score = SYNTHETIC_CLIP_SCORE[sample.quality]
        embeddings.add(sample.image, sample.caption)
        rows.push({
          uid,
          url,
          text: sample.caption,
          original_width: BigInt(originalWidth),
          original_height: BigInt(originalHeight),
          sha256: sha,
          clip_b32_similarity_score: Math.fround(score.mean + score.sd * normal(rng)),
          clip_l14_similarity_score: Math.fround(score.mean + 0.01 + score.sd * 0.8 * normal(rng)),
          quality: sample.quality,
        })
      }
      options.onProgress?.({done: blockStart + samples.length, total: options.count, detail: `shard ${pad(shard, 8)}`})
    }
    pack.finalize()
    await done
    const successes = last - first
    await writeFile(
      join(options.dir, 'shards', `${pad(shard, 8)}_stats.json`),
      `${JSON.stringify({count: successes, successes, failed_to_download: 0, failed_to_resize: 0, status_dict: {success: successes}}, null, 2)}\n`,
    )
    shards.push(tarName)
  }
  const metadataName = join(options.dir, 'metadata', `${createHash('sha256').update(`dcbench-datacomp-pool:${options.scale}:${options.seed}`).digest('hex').slice(0, 32)}.parquet`)
  await writeFile(metadataName, new Uint8Array(writeMetadataParquet(rows)))
  // the features beside it, as DataComp releases them (synth-embeddings.ts says which model)
  await embeddings.write(metadataName.replace(/\.parquet$/, '.npz'))
  return {count: options.count, shards, metadata: metadataName, qualities}
}

function generate(quality: ImageQuality, rng: Rng, recentClean: ImageSample[]): ImageSample {
  switch (quality) {
    case 'clean':
      return cleanSample(rng)
    case 'mismatched_caption':
      return mismatchedSample(rng)
    case 'nondescriptive_caption':
      return nondescriptiveSample(rng)
    case 'blank_image':
      return blankSample(rng)
    case 'near_duplicate':
      return nearDuplicateSample(rng.pick(recentClean), rng)
  }
}

function drawQuality(rng: Rng): ImageQuality {
  let x = rng.next()
  for (const [quality, share] of Object.entries(DATACOMP_QUALITY_MIX) as [ImageQuality, number][]) {
    if (x < share) return quality
    x -= share
  }
  return 'clean'
}

/** Encodes in batches so sharp's thread pool works on several images at once. */
async function encodeAll(samples: ImageSample[]): Promise<Buffer[]> {
  const out: Buffer[] = []
  for (let i = 0; i < samples.length; i += 64) out.push(...(await Promise.all(samples.slice(i, i + 64).map((s) => encodeJpeg(s.image)))))
  return out
}

/** A fixed mtime keeps the tars byte-for-byte reproducible. */
const TAR_MTIME = new Date('2023-04-01T00:00:00Z')

function addEntry(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({name, size: data.length, mtime: TAR_MTIME, mode: 0o644, uid: 0, gid: 0, uname: '', gname: ''}, data, (error) => (error ? reject(error) : resolve()))
  })
}

/** The metadata parquet: spec §2.2 columns in spec order, then `quality`. */
function writeMetadataParquet(rows: Row[]): ArrayBuffer {
  return parquetWriteBuffer({
    columnData: [
      {name: 'uid', data: rows.map((r) => r.uid)},
      {name: 'url', data: rows.map((r) => r.url)},
      {name: 'text', data: rows.map((r) => r.text)},
      {name: 'original_width', data: rows.map((r) => r.original_width)},
      {name: 'original_height', data: rows.map((r) => r.original_height)},
      {name: 'sha256', data: rows.map((r) => r.sha256)},
      {name: 'clip_b32_similarity_score', data: Float32Array.from(rows.map((r) => r.clip_b32_similarity_score))},
      {name: 'clip_l14_similarity_score', data: Float32Array.from(rows.map((r) => r.clip_l14_similarity_score))},
      {name: 'face_bboxes', data: rows.map(() => [])},
      {name: 'quality', data: rows.map((r) => r.quality)},
    ],
    schema: [
      {name: 'schema', num_children: 10},
      {name: 'uid', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL'},
      {name: 'url', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL'},
      {name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL'},
      {name: 'original_width', type: 'INT64', repetition_type: 'OPTIONAL'},
      {name: 'original_height', type: 'INT64', repetition_type: 'OPTIONAL'},
      {name: 'sha256', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL'},
      {name: 'clip_b32_similarity_score', type: 'FLOAT', repetition_type: 'OPTIONAL'},
      {name: 'clip_l14_similarity_score', type: 'FLOAT', repetition_type: 'OPTIONAL'},
      // list<list<float64>>, as pyarrow writes a nested list column
      {name: 'face_bboxes', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1},
      {name: 'list', repetition_type: 'REPEATED', num_children: 1},
      {name: 'element', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1},
      {name: 'list', repetition_type: 'REPEATED', num_children: 1},
      {name: 'element', type: 'DOUBLE', repetition_type: 'OPTIONAL'},
      {name: 'quality', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL'},
    ],
  })
}

/** A 128-bit uid as 32 hex digits (CommonPool uids look the same). */
function uidFrom(rng: Rng): string {
  let hex = ''
  for (let i = 0; i < 4; i++) hex += rng.uint32().toString(16).padStart(8, '0')
  return hex
}

/** A standard normal draw (Box–Muller). */
function normal(rng: Rng): number {
  const u = 1 - rng.next()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next())
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}
