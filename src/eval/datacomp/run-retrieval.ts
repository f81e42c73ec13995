import {DcbError} from '../../errors.js'
import {encodeImages, encodeTexts, normalizeRows} from '../clip/encode.js'
import {retrievalMetrics, topK, winogavilChoice, winogavilMetrics, winogavilPrompt, type WinoItem} from '../clip/metrics.js'
import {readEvalDataset, readWdsSamples, type WdsSample} from '../clip/webdataset.js'
import {openTaskImages, retrievalExamples, winogavilExamples} from './hub-files.js'
import {rankOfCorrect, roundMargin, topMargin, type AssociationItem, type RetrievedImage} from './predictions.js'
import type {TaskContext, TaskOutput} from './task-context.js'
import type {SuiteTask} from './suite.js'
import {taskDataFormat} from './task-data.js'

/**
 * The image–text tasks (Flickr, MSCOCO, WinoGAViL), from either data format: the nlphuji repos' own
 * files (hub-files.ts: what DataComp's loaders get from `datasets.load_dataset`) or dcbench's
 * webdataset layout (docs/contracts.md "Eval datasets"; the tiny suite's retrieval task).
 */

/** clip_benchmark's captions of a webdataset sample: str.splitlines of the txt member. */
function splitCaptions(text: string): string[] {
  // eslint-disable-next-line no-control-regex -- str.splitlines' separators include these controls
  return text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/).filter((_, j, all) => !(j === all.length - 1 && all[j] === ''))
}

/** Image–text retrieval (DataComp's retr_eval.py → clip_benchmark 1.4.0 zeroshot_retrieval). */
export async function runRetrieval(task: SuiteTask, ctx: TaskContext): Promise<TaskOutput> {
  const onBatch = (n: number): void => ctx.onProgress?.(n, task.size)
  const captions: string[] = []
  const imageOfText: number[] = []
  const imageKeys: string[] = []
  let images: {features: Float32Array; n: number}
  if (taskDataFormat(ctx.dataDir, task) === 'hub-files') {
    const examples = await retrievalExamples(ctx.dataDir, task)
    const zip = await openTaskImages(ctx.dataDir, task)
    try {
      const samples = async function* (): AsyncGenerator<WdsSample> {
        for (const example of examples) yield {key: example.image, members: new Map([['jpg', await zip.read(example.image)]]), shard: zip.file}
      }
      const {features, meta} = await encodeImages(ctx.model, ctx.pool, samples(), {batchSize: ctx.batchSize, keep: [], onBatch})
      images = {features, n: meta.length}
    } finally {
      zip.close()
    }
    examples.forEach((example, i) => {
      imageKeys.push(example.image)
      for (const caption of example.captions) {
        captions.push(caption)
        imageOfText.push(i)
      }
    })
  } else {
    const layout = readEvalDataset(ctx.dataDir)
    const {features, meta} = await encodeImages(ctx.model, ctx.pool, layout.shards, {batchSize: ctx.batchSize, keep: ['txt'], onBatch})
    images = {features, n: meta.length}
    meta.forEach((m, i) => {
      imageKeys.push(m.get('__key__')?.toString() ?? String(i))
      const text = m.get('txt')?.toString('utf8')
      if (text === undefined) throw new DcbError('DCB_EVAL_DATA', `${layout.dir}: retrieval sample ${m.get('__key__')?.toString()} has no txt member (captions, one per line)`)
      for (const caption of splitCaptions(text)) {
        captions.push(caption)
        imageOfText.push(i)
      }
    })
  }
  const d = ctx.model.meta.embed_dim
  const texts = await encodeTexts(ctx.model, captions, ctx.batchSize)
  // scores = texts_emb @ images_emb.T, as clip_benchmark computes them
  const scores = new Float32Array(captions.length * images.n)
  for (let t = 0; t < captions.length; t++) {
    for (let i = 0; i < images.n; i++) {
      let dot = 0
      for (let j = 0; j < d; j++) dot += (texts[t * d + j] as number) * (images.features[i * d + j] as number)
      scores[t * images.n + i] = dot
    }
  }
  return {metrics: retrievalMetrics(scores, captions.length, images.n, imageOfText), predictions: {kind: 'retrieval', results: retrievalPredictions(scores, imageOfText, imageKeys)}}
}

/** Per image and per caption: the rank of the correct match, the top-1 and its margin (predictions.ts). */
function retrievalPredictions(scores: Float32Array, imageOfText: readonly number[], imageKeys: readonly string[]): RetrievedImage[] {
  const nTexts = imageOfText.length
  const nImages = imageKeys.length
  const results: RetrievedImage[] = imageKeys.map((key) => ({key, text_rank: 0, text_top1: 0, text_margin: null, captions: []}))
  imageOfText.forEach((image, t) => {
    const row = scores.subarray(t * nImages, (t + 1) * nImages)
    const top = topK(row, Math.min(2, nImages))
    results[image]?.captions.push({image_rank: rankOfCorrect(row, (j) => j === image), image_top1: top[0] as number, image_margin: topMargin(row, top)})
  })
  const column = new Float32Array(nTexts)
  results.forEach((result, i) => {
    for (let t = 0; t < nTexts; t++) column[t] = scores[t * nImages + i] as number
    const top = topK(column, Math.min(2, nTexts))
    result.text_rank = rankOfCorrect(column, (t) => imageOfText[t] === i)
    result.text_top1 = top[0] ?? 0
    result.text_margin = topMargin(column, top)
  })
  return results
}

/** A WinoGAViL item's choice (winogavilChoice) as predictions.ts records it. */
function association(key: string, item: WinoItem): AssociationItem {
  const {chosen, boundary} = winogavilChoice(item)
  return {key, chosen, gold: item.gold.flatMap((g, i) => (g ? [i] : [])), margin: boundary ? roundMargin(boundary[0] - boundary[1]) : null}
}

/** One WinoGAViL item as DataComp's wino_eval.py scores it: cue similarity to each candidate image. */
async function scoreItem(ctx: TaskContext, cue: string, images: Buffer[], gold: boolean[]): Promise<WinoItem> {
  const d = ctx.model.meta.embed_dim
  const pixels = await ctx.pool.preprocess(images)
  const img = normalizeRows(await ctx.model.encodeImages(pixels, images.length), images.length, d)
  const txt = await encodeTexts(ctx.model, [winogavilPrompt(cue)], 1)
  const similarities = images.map((_, i) => {
    let dot = 0
    for (let j = 0; j < d; j++) dot += (txt[j] as number) * (img[i * d + j] as number)
    return dot
  })
  return {similarities, gold}
}

/** WinoGAViL (DataComp's wino_eval.py): per item, pick as many candidates as it has associations. */
export async function runWinogavil(task: SuiteTask, ctx: TaskContext): Promise<TaskOutput> {
  const items: WinoItem[] = []
  const keys: string[] = []
  if (taskDataFormat(ctx.dataDir, task) === 'hub-files') {
    const examples = await winogavilExamples(ctx.dataDir, task)
    const zip = await openTaskImages(ctx.dataDir, task)
    try {
      for (const example of examples) {
        const images = await Promise.all(example.images.map((name) => zip.read(name)))
        items.push(await scoreItem(ctx, example.cue, images, example.gold))
        keys.push(String(keys.length))
        ctx.onProgress?.(items.length, task.size)
      }
    } finally {
      zip.close()
    }
    return winogavilOutput(items, keys)
  }
  const layout = readEvalDataset(ctx.dataDir)
  for await (const sample of readWdsSamples(layout.shards)) {
    const raw = sample.members.get('json')
    let info: {cue?: unknown; candidates?: unknown; associations?: unknown}
    try {
      info = JSON.parse(raw?.toString('utf8') ?? '') as typeof info
    } catch {
      throw new DcbError('DCB_EVAL_DATA', `${sample.shard}: WinoGAViL item ${sample.key} has no valid json member {cue, candidates, associations}`)
    }
    if (typeof info.cue !== 'string' || !Array.isArray(info.candidates) || !Array.isArray(info.associations)) {
      throw new DcbError('DCB_EVAL_DATA', `${sample.shard}: WinoGAViL item ${sample.key}: json needs cue (string), candidates and associations (lists)`)
    }
    const candidates = info.candidates as string[]
    const images = candidates.map((_, i) => {
      const entry = [...sample.members.entries()].find(([ext]) => ext.startsWith(`${i}.`))
      if (!entry) throw new DcbError('DCB_EVAL_DATA', `${sample.shard}: WinoGAViL item ${sample.key}: image ${i} missing (expected member ${sample.key}.${i}.<jpg|png|webp>)`)
      return entry[1]
    })
    const gold = new Set(info.associations as string[])
    items.push(await scoreItem(ctx, info.cue, images, candidates.map((c) => gold.has(c))))
    keys.push(sample.key)
    ctx.onProgress?.(items.length, task.size)
  }
  return winogavilOutput(items, keys)
}

function winogavilOutput(items: readonly WinoItem[], keys: readonly string[]): TaskOutput {
  return {metrics: winogavilMetrics(items), predictions: {kind: 'association', results: items.map((item, i) => association(keys[i] as string, item))}}
}
