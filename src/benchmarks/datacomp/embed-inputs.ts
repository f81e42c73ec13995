import {readdir, stat} from 'node:fs/promises'
import {basename, join} from 'node:path'

import {DcbError} from '../../errors.js'
import type {EmbedItem, EmbedPart, EmbedSpec} from '../embed-spec.js'
import {metadataParquets, readMetadataPart, textColumn} from './baseline-pool.js'
import {iterateDataCompSamples} from './pool-shards.js'

/**
 * `bench embed` on a DataComp pool: one `<stem>.npz` per metadata parquet, row i for parquet row i,
 * as the released features are laid out (datacomp spec §2.2). Text towers read the parquet's `text`
 * column (the captions upstream embedded); image towers read the images in the shard tars, joined to
 * parquet rows by uid. A parquet row whose image the download lost keeps a zero row (src/embed/run.ts
 * counts them as `missing`).
 */

/** Image members in the order webdataset (and open_clip's loader) prefer them. */
const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp'] as const

/** part · 2^32 + row: one number per uid in the join map instead of an object. */
const PART_STRIDE = 2 ** 32

async function hasShards(pool: string): Promise<boolean> {
  const dir = (await stat(join(pool, 'shards')).catch(() => undefined))?.isDirectory() ? join(pool, 'shards') : pool
  return (await readdir(dir).catch(() => [] as string[])).some((n) => n.endsWith('.tar'))
}

async function* captions(parts: readonly EmbedPart[], wanted: ReadonlySet<number>): AsyncGenerator<EmbedItem> {
  for (const index of [...wanted].sort((a, b) => a - b)) {
    const part = await readMetadataPart((parts[index] as EmbedPart).source, ['uid', 'text'])
    yield {kind: 'size', part: index, rows: part.rows.length}
    for (const [row, text] of textColumn(part, 'text').entries()) yield {kind: 'record', part: index, row, text}
  }
}

async function* images(pool: string, parts: readonly EmbedPart[], wanted: ReadonlySet<number>): AsyncGenerator<EmbedItem> {
  if (!(await hasShards(pool))) {
    throw new DcbError('DCB_EMBED_INPUT', `pool ${pool}: no images (no .tar shards in ${join(pool, 'shards')}); an image tower embeds the downloaded images`, {
      suggestions: ["download the pool's images (bench pool download), or embed the captions with a text tower"],
    })
  }
  // The join map holds the uids of the parts still to do: memory grows with them (about 100 bytes a uid).
  const rowOf = new Map<string, number>()
  for (const index of [...wanted].sort((a, b) => a - b)) {
    const part = await readMetadataPart((parts[index] as EmbedPart).source, ['uid'])
    yield {kind: 'size', part: index, rows: part.rows.length}
    part.rows.forEach((r, row) => {
      if (!rowOf.has(r.uid as string)) rowOf.set(r.uid as string, index * PART_STRIDE + row)
    })
  }
  for await (const sample of iterateDataCompSamples(pool)) {
    if (rowOf.size === 0) return
    const uid = sample.uid.toLowerCase().padStart(32, '0')
    const at = rowOf.get(uid)
    if (at === undefined) continue
    // a uid twice in the shards: the first sample's image is the row's, as img2dataset keeps one per url
    rowOf.delete(uid)
    const ext = IMAGE_EXTENSIONS.find((e) => sample.members[e])
    if (!ext) throw new DcbError('DCB_EMBED_INPUT', `pool shard ${sample.shard}: sample ${sample.key} (uid ${uid}) has no image member (${IMAGE_EXTENSIONS.join('/')})`)
    yield {kind: 'record', part: Math.floor(at / PART_STRIDE), row: at % PART_STRIDE, image: sample.members[ext]}
  }
}

/** The adapter's `embed` member. */
export const dataCompEmbed: EmbedSpec = {
  async parts(pool) {
    return Promise.all((await metadataParquets(pool)).map(async (source) => ({stem: basename(source, '.parquet'), source, bytes: (await stat(source)).size})))
  },
  inputs: (pool, parts, kind, wanted) => (kind === 'text' ? captions(parts, wanted) : images(pool, parts, wanted)),
}
