import {DcbError} from '../errors.js'
import {iterateDataCompSamples, iterateDclmDocuments} from '../pool/index.js'
import {decodeImage, type RgbImage} from '../world/index.js'
import type {DocumentRecord, FilterBenchmark, FilterRecord, ImageTextRecord} from './filter.js'
import {readPoolMetadata} from './metadata.js'

/** Image members webdataset (and open_clip's loader) accept, in preference order. */
const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp'] as const

/** Every record of a pool, in pool order, in the shape filters see. */
export function iterateFilterRecords(benchmark: FilterBenchmark, pool: string): AsyncGenerator<FilterRecord> {
  return benchmark === 'datacomp' ? iterateImageTextRecords(pool) : iterateDocumentRecords(pool)
}

async function* iterateImageTextRecords(pool: string): AsyncGenerator<ImageTextRecord> {
  const metadata = await readPoolMetadata(pool)
  for await (const sample of iterateDataCompSamples(pool)) {
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

async function* iterateDocumentRecords(pool: string): AsyncGenerator<DocumentRecord> {
  for await (const doc of iterateDclmDocuments(pool)) {
    const {text: _text, url, ...rest} = doc.record
    yield {benchmark: 'dclm', uid: doc.id, text: doc.text, url: typeof url === 'string' ? url : '', metadata: rest}
  }
}
