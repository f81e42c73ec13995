import {DcbError, type ErrorCode} from '../errors.js'
import {decodeImage} from '../world/index.js'
import {cacheKey, readCachedIndex, writeCachedIndex} from './cache.js'
import type {FindingSink} from './findings.js'
import {cropHashes, greyImage, isDetailed, pixelSha256, type ImageFingerprint} from './image-hash.js'
import {ImageIndex} from './image-index.js'
import {packPosting, postingExample, postingTask} from './ngram-table.js'
import type {ContaminationSettings} from './spec.js'

/** One eval image: its sample's key, where it is (for messages) and its encoded bytes. */
export interface EvalImage {
  key: string
  where: string
  bytes: Uint8Array
}

/** The images of one task, and the sha256 of the data they come from (the cache key). */
export interface ImageEvalTask {
  key: string
  source: string
  images(): AsyncIterable<EvalImage>
}

export interface PrepareImageCheckOptions {
  tasks: readonly ImageEvalTask[]
  settings: ContaminationSettings
  cacheDir: string | undefined
  sink: FindingSink
  onProgress?: (done: number, detail: string) => void
}

export interface ImageCheck {
  /** Checks one training image; returns the number of findings added to the sink. */
  check(record: string, where: string, image: ImageFingerprint): Promise<number>
  index: {images: number; hashes: number; bytes: number; cached: boolean}
}

/** Decoded images in flight at once: sharp decodes on libuv's threads while this thread hashes. */
export const DECODE_AHEAD = 4

const INDEX_FORMAT = 'dcbench.image-index/1'

interface TaskMeta {
  key: string
  /** The eval sample key of each image. */
  keys: string[]
  lowDetail: number
}

/**
 * Builds (or reads from the cache) the image index of the tasks (image-index.ts): every eval image's
 * pixel sha256, and the crop hashes of the detailed ones. Declares an `images` part per task.
 */
export async function prepareImageCheck(options: PrepareImageCheckOptions): Promise<ImageCheck> {
  const key = cacheKey({format: INDEX_FORMAT, tasks: options.tasks.map((t) => ({key: t.key, source: t.source}))})
  let index: ImageIndex | undefined
  let tasks: TaskMeta[] | undefined
  let cached = false
  if (options.cacheDir) {
    const stored = await readCachedIndex(options.cacheDir, key)
    const meta = stored?.meta as {tasks?: TaskMeta[]} | undefined
    index = stored ? ImageIndex.decode(stored.parts) : undefined
    if (index && Array.isArray(meta?.tasks) && meta.tasks.length === options.tasks.length) {
      tasks = meta.tasks
      cached = true
    }
  }
  if (!index || !tasks) {
    ;({index, tasks} = await buildImageIndex(options))
    if (options.cacheDir) await writeCachedIndex(options.cacheDir, key, {tasks}, index.encode())
  }
  const parts = tasks.map((t) => options.sink.addPart(t.key, 'images', t.keys.length, {exact_only_low_detail: t.lowDetail}))
  const built = index
  const taskMeta = tasks
  const maxDistance = options.settings.hamming
  return {
    index: {images: tasks.reduce((n, t) => n + t.keys.length, 0), hashes: built.nearCount, bytes: built.bytes, cached},
    async check(record, where, image) {
      let found = 0
      const exact = new Set<number>()
      for (const posting of built.findExact(image.sha256)) {
        exact.add(posting)
        found++
        await options.sink.add({record, where, part: parts[postingTask(posting)]!, example: postingExample(posting), method: 'exact', evalKey: taskMeta[postingTask(posting)]!.keys[postingExample(posting)]})
      }
      const near = [...built.findNear(image.hash, maxDistance)].filter(([posting]) => !exact.has(posting)).sort((a, b) => a[0] - b[0])
      for (const [posting, distance] of near) {
        found++
        const t = postingTask(posting)
        const e = postingExample(posting)
        await options.sink.add({record, where, part: parts[t]!, example: e, method: 'near', distance, evalKey: taskMeta[t]!.keys[e]})
      }
      return found
    },
  }
}

async function buildImageIndex(options: PrepareImageCheckOptions): Promise<{index: ImageIndex; tasks: TaskMeta[]}> {
  const index = new ImageIndex()
  const tasks: TaskMeta[] = []
  let done = 0
  for (const [t, task] of options.tasks.entries()) {
    const meta: TaskMeta = {key: task.key, keys: [], lowDetail: 0}
    await decodeAhead(task.images(), 'DCB_EVAL_DATA', async (image, decoded) => {
      const grey = greyImage(decoded)
      const detailed = isDetailed(grey)
      if (!detailed) meta.lowDetail++
      index.add(packPosting(t, meta.keys.length), pixelSha256(decoded), detailed ? cropHashes(grey) : [])
      meta.keys.push(image.key)
      if (++done % 100 === 0) options.onProgress?.(done, `hashing ${task.key}`)
    })
    tasks.push(meta)
  }
  options.onProgress?.(done, 'hashed')
  return {index, tasks}
}

/**
 * Decodes a stream of images with up to DECODE_AHEAD in flight, calling `use` in stream order. An
 * image that cannot be decoded is a one-line DcbError (`code`) naming where it is.
 */
export async function decodeAhead<T extends {where: string; bytes: Uint8Array}>(
  items: AsyncIterable<T>,
  code: ErrorCode,
  use: (item: T, image: Awaited<ReturnType<typeof decodeImage>>) => Promise<void> | void,
): Promise<void> {
  const queue: {item: T; decoded: Promise<Awaited<ReturnType<typeof decodeImage>>>}[] = []
  const next = async (): Promise<void> => {
    const {item, decoded} = queue.shift()!
    let image: Awaited<ReturnType<typeof decodeImage>>
    try {
      image = await decoded
    } catch (error) {
      throw new DcbError(code, `${item.where}: cannot decode the image (${(error as Error).message.split('\n')[0]})`)
    }
    await use(item, image)
  }
  try {
    for await (const item of items) {
      const decoded = decodeImage(item.bytes)
      decoded.catch(() => {})
      queue.push({item, decoded})
      if (queue.length >= DECODE_AHEAD) await next()
    }
    while (queue.length > 0) await next()
  } finally {
    for (const pending of queue) pending.decoded.catch(() => {})
  }
}
