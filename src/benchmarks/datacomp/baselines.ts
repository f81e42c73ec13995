import {DcbError} from '../../errors.js'
import type {BuiltinFilter, BuiltinFilterOptions} from '../../filters/builtin-types.js'
import {nearestCentroids, type CentroidSet} from '../../filters/embeddings/nearest-centroid.js'
import type {DataFilter, FilterContext, PoolRecord} from '../../filters/filter.js'
import {loadCld3} from '../../filters/text/gcld3.js'
import {fastTextTokenize, loadFastText, type FastTextClassifier} from '../../filters/text/fasttext.js'
import {readNpyMatrix} from '../../pool/npz.js'
import {containsTextEntity, loadTextBasedTables} from './text-based.js'
import {metadataParquets, numericColumn, partEmbeddings, readMetadataPart, textColumn, type MetadataPart} from './baseline-pool.js'

/**
 * DataComp's official baselines (datacomp spec §6), each as upstream's baselines/apply_filter.py
 * computes it, line for line: the same columns, the same language models, numpy's float32
 * comparisons, the same pool-wide fraction rule. Each reads the pool's metadata parquets (and
 * features) before the first record, as upstream does, and then keeps the uids it selected.
 */

const BENCHMARK = 'datacomp'
/** Rows of features decoded at a time: 4096 × 768 float32 = 12 MiB. */
const BATCH_ROWS = 4096

function usage(message: string): DcbError {
  return new DcbError('DCB_FILTER_USAGE', message, {suggestions: ['see docs/filters.md, "DataComp\'s official baselines"']})
}

/** A filter that keeps exactly the uids a pool-wide computation selected. */
function keepSet(name: string, description: string, keep: Set<string>): DataFilter<PoolRecord> {
  return {name, description, benchmarks: [BENCHMARK], decide: (record) => keep.has(record.uid)}
}

/** `--arch b32|l14` → upstream's column key (`clip_l14_similarity_score` unless b32). */
function scoreKey(name: string, arch: string | undefined): string {
  if (arch !== 'b32' && arch !== 'l14') throw usage(`filter '${name}' needs --arch b32 or l14${arch === undefined ? '' : `, got '${arch}'`}`)
  return arch === 'b32' ? 'clip_b32_similarity_score' : 'clip_l14_similarity_score'
}

/**
 * numpy compares a float32 column with a Python float in float32 (value-based casting, and NEP 50
 * in numpy 2 alike): `score >= t` means `score >= float32(t)`.
 */
function asColumnFloat(part: MetadataPart, column: string, value: number): number {
  return part.float32.has(column) ? Math.fround(value) : value
}

/**
 * upstream's `get_threshold`: `n = int(len(df) * fraction)`, then the value at index n of every
 * score sorted descending (NaN last, as `np.sort` of the negated scores puts it) — so ties at the
 * threshold are all kept, and a fraction of 1 is an index past the end (refused here, an IndexError upstream).
 */
export function thresholdForFraction(scores: Float64Array, fraction: number): number {
  if (!(fraction > 0 && fraction <= 1)) throw usage(`--fraction must be in (0, 1], got ${fraction}`)
  const n = Math.trunc(scores.length * fraction)
  if (n >= scores.length) throw usage(`--fraction ${fraction} of ${scores.length} samples is index ${n} past the last score (upstream raises IndexError); use --filter none to keep every sample`)
  const sorted = Float64Array.from(scores).sort((a, b) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : b - a))
  return sorted[n] as number
}

/** The clip-score threshold of a run: --threshold as given, or the pool-wide fraction rule. */
function clipThreshold(name: string, parts: MetadataPart[], key: string, options: BuiltinFilterOptions): number {
  if ((options.threshold === undefined) === (options.fraction === undefined)) throw usage(`filter '${name}' needs one of --threshold or --fraction`)
  if (options.threshold !== undefined) {
    if (!Number.isFinite(options.threshold)) throw usage(`--threshold must be a number, got ${String(options.threshold)}`)
    return options.threshold
  }
  const columns = parts.map((part) => numericColumn(part, key))
  const all = new Float64Array(columns.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const column of columns) {
    all.set(column, at)
    at += column.length
  }
  return thresholdForFraction(all, options.fraction as number)
}

async function readParts(pool: string, columns: string[]): Promise<MetadataPart[]> {
  const parts: MetadataPart[] = []
  for (const parquet of await metadataParquets(pool)) parts.push(await readMetadataPart(parquet, columns))
  return parts
}

/** Python's `str.split()` separators (`Py_UNICODE_ISSPACE`), not JavaScript's `\s`. */
// eslint-disable-next-line no-control-regex -- Python counts the ASCII separators \x1c–\x1f as whitespace
const PYTHON_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u

/** `text.split()` in Python. */
export function pythonSplit(text: string): string[] {
  return text.split(PYTHON_WHITESPACE).filter((w) => w.length > 0)
}

/** `len(text.split())` in Python. */
export function pythonWordCount(text: string): number {
  return pythonSplit(text).length
}

/** `len(text)` in Python: code points. */
export function pythonLength(text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}

/** `get_fasttext_language`: newlines become spaces, then fastText's top label. */
function isEnglish(lid: FastTextClassifier, text: string): boolean {
  return lid.predict(text.replaceAll('\n', ' ')).label === 'en'
}

/** basic_filter: fastText `en`, > 2 words, > 5 characters, min side ≥ 200, aspect ≤ 3. */
async function basic(context: FilterContext, options: BuiltinFilterOptions): Promise<DataFilter<PoolRecord>> {
  const parts = await readParts(context.pool, ['uid', 'text', 'original_width', 'original_height'])
  const lid = await loadFastText(options.lidModel)
  const keep = new Set<string>()
  for (const part of parts) {
    const texts = textColumn(part, 'text')
    const widths = numericColumn(part, 'original_width')
    const heights = numericColumn(part, 'original_height')
    for (const [i, text] of texts.entries()) {
      const w = widths[i] as number
      const h = heights[i] as number
      const min = Math.min(w, h)
      const max = Math.max(w, h)
      if (!(min >= 200 && max / min <= 3.0)) continue
      if (!(pythonWordCount(text) > 2 && pythonLength(text) > 5)) continue
      if (isEnglish(lid, text)) keep.add(part.rows[i]?.uid as string)
    }
  }
  return keepSet('basic', 'DataComp basic_filter', keep)
}

/** clip_score: keep `clip_{arch}_similarity_score ≥ t` (t given, or from the pool-wide fraction). */
async function clipScore(context: FilterContext, options: BuiltinFilterOptions): Promise<DataFilter<PoolRecord>> {
  const key = scoreKey('clip-score', options.arch)
  const parts = await readParts(context.pool, ['uid', key])
  const threshold = clipThreshold('clip-score', parts, key, options)
  const keep = new Set<string>()
  for (const part of parts) {
    const t = asColumnFloat(part, key, threshold)
    for (const [i, score] of numericColumn(part, key).entries()) if (score >= t) keep.add(part.rows[i]?.uid as string)
  }
  return keepSet('clip-score', `DataComp clip_score (${key} ≥ ${threshold})`, keep)
}

/** text_based: fastText `en` and some word whose first WordNet synset is an ImageNet-21k synset. */
async function textBased(context: FilterContext, options: BuiltinFilterOptions): Promise<DataFilter<PoolRecord>> {
  const parts = await readParts(context.pool, ['uid', 'text'])
  const lid = await loadFastText(options.lidModel)
  const tables = loadTextBasedTables()
  const keep = new Set<string>()
  for (const part of parts) {
    for (const [i, text] of textColumn(part, 'text').entries()) {
      if (isEnglish(lid, text) && containsTextEntity(tables, pythonSplit(text))) keep.add(part.rows[i]?.uid as string)
    }
  }
  return keepSet('text-based', 'DataComp text_based', keep)
}

/** laion2b: B/32 score ≥ 0.28 and gcld3 (CLD3, 0–1000 bytes) language `en`. */
async function laion2b(context: FilterContext): Promise<DataFilter<PoolRecord>> {
  const key = 'clip_b32_similarity_score'
  const parts = await readParts(context.pool, ['uid', 'text', key])
  const cld3 = await loadCld3(0, 1000)
  const keep = new Set<string>()
  try {
    for (const part of parts) {
      const texts = textColumn(part, 'text')
      const t = asColumnFloat(part, key, 0.28)
      for (const [i, score] of numericColumn(part, key).entries()) {
        if (cld3.language((texts[i] as string).replaceAll('\n', ' ')) === 'en' && score >= t) keep.add(part.rows[i]?.uid as string)
      }
    }
  } finally {
    cld3.dispose()
  }
  return keepSet('laion2b', 'DataComp laion2b reproduction', keep)
}

/** `caption_filter` of the image-based baseline: fastText `en`, > 1 fastText token, > 5 characters. */
function captionFilter(lid: FastTextClassifier, text: string): boolean {
  return isEnglish(lid, text) && fastTextTokenize(text).length > 1 && pythonLength(text) > 5
}

function modelFileError(file: string, problem: string): DcbError {
  return new DcbError('DCB_MODEL_FILE', `${file}: ${problem}`, {suggestions: ['save the array with numpy: np.save(path, torch.load(upstream_file)) (docs/filters.md)']})
}

async function readCentroids(file: string | undefined, what: string, flag: string): Promise<CentroidSet> {
  if (!file) throw usage(`filter needs ${flag} FILE.npy (${what})`)
  const matrix = await readNpyMatrix(file, modelFileError)
  return {count: matrix.rows, dim: matrix.dim, data: matrix.data}
}

/**
 * image_based (and, with --arch, image_based_intersect_clip_score): the clip-score threshold first,
 * then the caption filter, then keep samples whose L/14 image embedding's nearest pool centroid is
 * the nearest centroid of some ImageNet-1k train image.
 */
async function imageBased(context: FilterContext, options: BuiltinFilterOptions, withScore: boolean): Promise<DataFilter<PoolRecord>> {
  const name = withScore ? 'image-based-clip-score' : 'image-based'
  const key = withScore ? scoreKey(name, options.arch) : undefined
  if (!withScore && (options.threshold !== undefined || options.fraction !== undefined)) throw usage(`filter 'image-based' takes no --threshold/--fraction (use image-based-clip-score)`)
  const centroids = await readCentroids(options.centroids, 'the k-means centroids of the pool\'s L/14 image embeddings', '--centroids')
  const targets = await readCentroids(options.targetEmbeddings, 'ImageNet-1k train-image L/14 embeddings', '--target-embeddings')
  if (targets.dim !== centroids.dim) throw usage(`--target-embeddings has ${targets.dim} dimensions but --centroids has ${centroids.dim}`)
  const targetIds = new Set(nearestCentroids(targets.data, targets.dim, centroids))
  const parts = await readParts(context.pool, key ? ['uid', 'text', key] : ['uid', 'text'])
  const threshold = key ? clipThreshold(name, parts, key, options) : undefined
  const lid = await loadFastText(options.lidModel)
  const keep = new Set<string>()
  for (const part of parts) {
    const texts = textColumn(part, 'text')
    const scores = key ? numericColumn(part, key) : undefined
    const t = key && threshold !== undefined ? asColumnFloat(part, key, threshold) : undefined
    let row = 0
    for await (const {rows, dim} of partEmbeddings(part, 'l14_img', BATCH_ROWS)) {
      if (dim !== centroids.dim) throw usage(`${part.npz}: l14_img has ${dim} dimensions but --centroids has ${centroids.dim}`)
      const selected: number[] = []
      for (let i = 0; i < rows.length / dim; i++) {
        const r = row + i
        if (scores && !((scores[r] as number) >= (t as number))) continue
        if (captionFilter(lid, texts[r] as string)) selected.push(r)
      }
      const batch = new Float32Array(selected.length * dim)
      for (const [j, r] of selected.entries()) batch.set(rows.subarray((r - row) * dim, (r - row + 1) * dim), j * dim)
      const labels = nearestCentroids(batch, dim, centroids)
      for (const [j, r] of selected.entries()) if (targetIds.has(labels[j] as number)) keep.add(part.rows[r]?.uid as string)
      row += rows.length / dim
    }
  }
  return keepSet(name, `DataComp ${withScore ? 'image_based_intersect_clip_score' : 'image_based'}`, keep)
}

/** --fraction's threshold is a pool-wide order statistic; --threshold decides each sample alone. */
function fractionNeedsWholePool(_context: FilterContext, options: BuiltinFilterOptions): string | false {
  return options.fraction === undefined ? false : "--fraction sets the threshold from the whole pool's sorted scores (give --threshold instead)"
}

/** DataComp's baselines by their `bench filter --filter` names. */
export const DATACOMP_BASELINES: Readonly<Record<string, BuiltinFilter>> = {
  basic: {description: 'DataComp basic_filter, as upstream: fastText lid.176 English, > 2 words, > 5 characters, min side ≥ 200 px, aspect ≤ 3', wholePool: false, create: basic},
  'clip-score': {
    description: 'DataComp clip_score: --arch b32|l14 with --threshold t, or --fraction f (threshold at index ⌊N·f⌋ of the pool\'s sorted scores, ties kept)',
    ownsFraction: true,
    wholePool: fractionNeedsWholePool,
    create: clipScore,
  },
  'text-based': {description: 'DataComp text_based: fastText English and a word whose first WordNet synset is an ImageNet-21k class', wholePool: false, create: textBased},
  laion2b: {description: 'DataComp laion2b reproduction: B/32 score ≥ 0.28 and CLD3 (gcld3) English', wholePool: false, create: laion2b},
  'image-based': {
    description: 'DataComp image_based: caption filter, then keep samples in pool k-means clusters nearest to ImageNet-1k images (--centroids, --target-embeddings)',
    // the centroids and targets are given files: a sample's nearest centroid is its own
    wholePool: false,
    create: (context, options) => imageBased(context, options, false),
  },
  'image-based-clip-score': {
    description: 'DataComp image_based_intersect_clip_score: the clip-score threshold (--arch with --threshold or --fraction), then image-based',
    ownsFraction: true,
    wholePool: fractionNeedsWholePool,
    create: (context, options) => imageBased(context, options, true),
  },
}
