import {DcbError} from '../../errors.js'
import type {ClipModel} from './model.js'
import type {DecodePool} from './decode-pool.js'
import {readWdsSamples, sampleImage, type WdsSample} from './webdataset.js'

/** Rows of `x` ([n, d]) scaled to unit L2 norm (F.normalize, eps 1e-12), in float32. */
export function normalizeRows(x: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n * d)
  for (let i = 0; i < n; i++) {
    let sq = 0
    for (let j = 0; j < d; j++) sq += (x[i * d + j] as number) ** 2
    const norm = Math.max(Math.sqrt(sq), 1e-12)
    for (let j = 0; j < d; j++) out[i * d + j] = (x[i * d + j] as number) / norm
  }
  return out
}

/** Python's `template.format(c=classname)` for DataComp's templates (`{c}`, `{{`, `}}`). */
export function formatTemplate(template: string, classname: string): string {
  return template.replace(/\{\{|\}\}|\{c\}/g, (m) => (m === '{c}' ? classname : m[0] as string))
}

/** Normalised text features of `texts`, encoded `batchSize` at a time. */
export async function encodeTexts(model: ClipModel, texts: readonly string[], batchSize: number): Promise<Float32Array> {
  const d = model.meta.embed_dim
  const out = new Float32Array(texts.length * d)
  for (let start = 0; start < texts.length; start += batchSize) {
    const chunk = texts.slice(start, start + batchSize)
    const features = await model.encodeTexts(model.tokenizer.tokenize(chunk), chunk.length)
    out.set(normalizeRows(features, chunk.length, d), start * d)
  }
  return out
}

/**
 * clip_benchmark's zero-shot classifier: per class, every template formatted, encoded, normalised,
 * averaged, re-normalised. Returns [classes, d] row-major.
 */
export async function zeroShotClassifier(model: ClipModel, classnames: readonly string[], templates: readonly string[], batchSize: number): Promise<Float32Array> {
  const d = model.meta.embed_dim
  const texts = classnames.flatMap((c) => templates.map((t) => formatTemplate(t, c)))
  const features = await encodeTexts(model, texts, batchSize)
  const mean = new Float32Array(classnames.length * d)
  for (let c = 0; c < classnames.length; c++) {
    for (let t = 0; t < templates.length; t++) {
      const row = (c * templates.length + t) * d
      for (let j = 0; j < d; j++) mean[c * d + j] = (mean[c * d + j] as number) + (features[row + j] as number)
    }
    for (let j = 0; j < d; j++) mean[c * d + j] = (mean[c * d + j] as number) / templates.length
  }
  return normalizeRows(mean, classnames.length, d)
}

/** The members of a sample kept after its image is decoded (labels, metadata, captions). */
export type SampleMeta = Map<string, Buffer>

export interface EncodeImagesOptions {
  /** Images per batch (clip_benchmark's); encoding workers each take an equal share of it. */
  batchSize: number
  /** Members to keep per sample besides the image (e.g. cls, npy, txt). */
  keep: readonly string[]
  /** Called after each batch with the number of images encoded so far. */
  onBatch?: (done: number) => void
}

/**
 * Streams a dataset's samples through the decode pool and the image encoder. Decoding runs ahead
 * (two batches per worker in flight) so the model is never starved. Returns normalised features.
 * `source` is a webdataset's tar shards, or samples from elsewhere (hub files: one image member each).
 */
export async function encodeImages(model: ClipModel, pool: DecodePool, source: readonly string[] | AsyncIterable<WdsSample>, options: EncodeImagesOptions): Promise<{features: Float32Array; meta: SampleMeta[]}> {
  const d = model.meta.embed_dim
  const chunks: Float32Array[] = []
  const meta: SampleMeta[] = []
  const inFlight: Promise<{features: Float32Array; n: number}>[] = []
  let done = 0
  const runOldest = async (): Promise<void> => {
    const {features, n} = await (inFlight.shift() as Promise<{features: Float32Array; n: number}>)
    if (features.length !== n * d) throw new DcbError('DCB_MODEL_DIR', `${model.dir}: the image encoder returned ${features.length / n} values per image; expected ${d} (embed_dim)`)
    chunks.push(normalizeRows(features, n, d))
    done += n
    options.onBatch?.(done)
  }
  // Encoding workers decode and encode a batch each; otherwise workers decode and the model runs here.
  const encodeBatch = async (images: Uint8Array[]): Promise<Float32Array> => {
    if (pool.encodes) return pool.encode(images)
    const pixels = await pool.preprocess(images)
    const features = await model.encodeImages(pixels, images.length)
    pool.recycle(pixels)
    return features
  }
  // Encoding workers each take a share of a batch: a batch whole went to one worker, so a set of one
  // batch (or a set's last one) ran on one worker while the others idled — half the cores at 2 workers
  // (bench/clip-eval at 64 images). Per image the encoder's output does not depend on its batch.
  const step = pool.encodes ? Math.max(1, Math.ceil(options.batchSize / pool.size)) : options.batchSize
  let batch: Uint8Array[] = []
  const submit = (): void => {
    const images = batch
    batch = []
    inFlight.push(encodeBatch(images).then((features) => ({features, n: images.length})))
  }
  for await (const sample of Array.isArray(source) ? readWdsSamples(source as readonly string[]) : (source as AsyncIterable<WdsSample>)) {
    batch.push(sampleImage(sample))
    meta.push(keepMembers(sample, options.keep))
    if (batch.length === step) {
      submit()
      if (inFlight.length >= pool.size * 2) await runOldest()
    }
  }
  if (batch.length > 0) submit()
  while (inFlight.length > 0) await runOldest()
  const features = new Float32Array(meta.length * d)
  let offset = 0
  for (const chunk of chunks) {
    features.set(chunk, offset)
    offset += chunk.length
  }
  return {features, meta}
}

function keepMembers(sample: WdsSample, keep: readonly string[]): SampleMeta {
  const kept: SampleMeta = new Map()
  for (const ext of keep) {
    const value = sample.members.get(ext)
    if (value) kept.set(ext, value)
  }
  kept.set('__key__', Buffer.from(sample.key))
  kept.set('__shard__', Buffer.from(sample.shard))
  return kept
}

/** [n, c] logits = 100 · images · classifierᵀ, as clip_benchmark computes them. */
export function logits(images: Float32Array, n: number, classifier: Float32Array, c: number, d: number): Float32Array {
  const out = new Float32Array(n * c)
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      let dot = 0
      for (let j = 0; j < d; j++) dot += (images[i * d + j] as number) * (classifier[k * d + j] as number)
      out[i * c + k] = 100 * dot
    }
  }
  return out
}
