import {DcbError} from '../../errors.js'
import {decodeImage, type RgbImage} from '../../world/index.js'
import {readPoolMetadata} from './pool-metadata.js'
import {iterateDataCompSamples} from './pool-shards.js'

/** One image–text pair of a DataComp pool, as filters see it: the shard members plus its metadata row. */
export interface ImageTextRecord {
  benchmark: 'datacomp'
  /** 32 lowercase hex digits. */
  uid: string
  caption: string
  /** The image file as stored in the shard (jpg/png/webp). */
  imageBytes: Uint8Array
  /** The image decoded to RGB (decoded on first call, then cached). */
  image(): Promise<RgbImage>
  /** Every column of the pool's metadata row for this uid (empty when the pool has no metadata). */
  metadata: Readonly<Record<string, unknown>>
}

/** Image members webdataset (and open_clip's loader) accept, in preference order. */
const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp'] as const

/** Every sample of a DataComp pool (or of some of its shard tars), in shard order, joined with its metadata row. */
export async function* iterateImageTextRecords(pool: string, tars?: readonly string[]): AsyncGenerator<ImageTextRecord> {
  const metadata = await readPoolMetadata(pool)
  for await (const sample of iterateDataCompSamples(tars ?? pool)) {
    const ext = IMAGE_EXTENSIONS.find((e) => sample.members[e])
    const txt = sample.members.txt
    if (!ext || !txt) throw new DcbError('DCB_FILTER_POOL', `pool shard ${sample.shard}: sample ${sample.key} has no ${ext ? 'txt' : 'image'} member`)
    const imageBytes = sample.members[ext] as Buffer
    const uid = sample.uid.toLowerCase().padStart(32, '0')
    let decoded: Promise<RgbImage> | undefined
    yield {
      benchmark: 'datacomp',
      uid,
      caption: txt.toString('utf8'),
      imageBytes,
      image: () => (decoded ??= decodeImage(imageBytes)),
      metadata: metadata.get(uid) ?? {},
    }
  }
}
