import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DecodePool} from '../../../../src/eval/clip/decode-pool.js'
import {encodeImages, formatTemplate, logits, zeroShotClassifier} from '../../../../src/eval/clip/encode.js'
import {createEvalPool} from '../../../../src/eval/clip/eval-pool.js'
import {classificationMetrics, topK} from '../../../../src/eval/clip/metrics.js'
import {loadClipModel, type ClipModel} from '../../../../src/eval/clip/model.js'
import {defaultVocabPath} from '../../../../src/eval/clip/tokenizer.js'
import {readEvalDataset} from '../../../../src/eval/clip/webdataset.js'
import {writeEvalDataset} from '../../../../src/eval/clip/write-wds.js'
import {runTask} from '../../../../src/eval/datacomp/run-task.js'
import {loadSuite} from '../../../../src/eval/datacomp/suite.js'
import {runPython} from '../../../helpers/python.js'
import {syntheticImage} from '../../../helpers/synthetic-images.js'

// The PyTorch reference: the same weights (exported by the fixture), the same images, read by
// Python's tarfile, decoded by PIL and transformed by torchvision exactly as open_clip/clip_benchmark do.
const fixture = join(import.meta.dirname, '../../../fixtures/python/tiny_clip_fixture.py')
const CLASSES = ['red circle', 'blue square', 'green triangle', 'yellow star', 'purple heart', 'orange moon', 'black cross', 'white ring', 'grey arrow', 'pink hexagon']
const TEMPLATES = ['a photo of a {c}.', 'a drawing of a {c}.', 'itap of a {c}.']
const N_IMAGES = 1200

describe('CLIP eval agrees with the PyTorch reference (same weights, same images)', () => {
  let root = ''
  let model: ClipModel
  let pool: DecodePool

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dcbench-clip-ref-'))
    await runPython(fixture, ['make-model', join(root, 'model'), '--seed', '3', '--image-size', '32', '--vocab', defaultVocabPath()])
    const formats = ['jpg', 'png', 'webp'] as const
    await writeEvalDataset({
      dir: join(root, 'wds_cls_test'),
      classnames: CLASSES,
      templates: TEMPLATES,
      samplesPerShard: 500,
      samples: (async function* () {
        for (let i = 0; i < N_IMAGES; i++) {
          const w = 24 + ((i * 37) % 90)
          const h = 24 + ((i * 53) % 70)
          yield {key: `s${String(i).padStart(5, '0')}`, members: {[formats[i % 3] as string]: await syntheticImage(i, w, h, formats[i % 3]), cls: String(i % CLASSES.length)}}
        }
      })(),
    })
    model = await loadClipModel(join(root, 'model'))
    // As `bench eval` runs on CPU: workers that decode and encode (the retrieval test below uses
    // decode-only workers and the model's own session).
    pool = createEvalPool(model, {workers: 2})
    expect(pool.encodes).toBe(true)
  })

  afterAll(async () => {
    await pool?.close()
    await model?.release()
    if (root) rmSync(root, {recursive: true, force: true})
  })

  it('zero-shot classification: identical top-1 on ≥ 99.9% of images and equal metrics', async () => {
    const layout = readEvalDataset(join(root, 'wds_cls_test'))
    const d = model.meta.embed_dim
    const classifier = await zeroShotClassifier(model, layout.classnames, layout.templates, 64)
    const {features, meta} = await encodeImages(model, pool, layout.shards, {batchSize: 64, keep: ['cls']})
    expect(meta).toHaveLength(N_IMAGES)
    const scores = logits(features, meta.length, classifier, CLASSES.length, d)
    const ours = Array.from({length: meta.length}, (_, i) => topK(scores.subarray(i * CLASSES.length, (i + 1) * CLASSES.length), 5))
    const labels = meta.map((m) => Number(m.get('cls')?.toString()))

    // Token ids come from dcbench's tokenizer (its own tests check it against reference encodings).
    const tokens = {classes: CLASSES.map((c) => TEMPLATES.map((t) => [...model.tokenizer.tokenize([formatTemplate(t, c)])].map(Number)))}
    writeFileSync(join(root, 'tokens.json'), JSON.stringify(tokens))
    await runPython(fixture, ['classify', join(root, 'model'), layout.dir, join(root, 'tokens.json'), join(root, 'ref.json'), '--batch-size', '64'])
    const ref = JSON.parse(readFileSync(join(root, 'ref.json'), 'utf8')) as {top5: number[][]; labels: number[]}
    expect(ref.labels).toEqual(labels)
    const agree = ours.filter((row, i) => row[0] === ref.top5[i]?.[0]).length
    const agreement = agree / N_IMAGES
    console.log(`top-1 agreement with PyTorch: ${agree}/${N_IMAGES} = ${(100 * agreement).toFixed(2)}%`)
    expect(agreement).toBeGreaterThanOrEqual(0.999)
    expect(classificationMetrics(ours, labels, CLASSES.length)).toEqual(classificationMetrics(ref.top5, ref.labels, CLASSES.length))
  })

  it('encoding in the workers gives the features of decode-only workers + the model’s session, in order', async () => {
    const layout = readEvalDataset(join(root, 'wds_cls_test'))
    const decodeOnly = new DecodePool(model.preprocess, 2)
    try {
      const inWorkers = await encodeImages(model, pool, layout.shards, {batchSize: 50, keep: ['cls']})
      const onMain = await encodeImages(model, decodeOnly, layout.shards, {batchSize: 50, keep: ['cls']})
      expect(inWorkers.meta).toEqual(onMain.meta)
      let worst = 0
      for (let i = 0; i < onMain.features.length; i++) worst = Math.max(worst, Math.abs((inWorkers.features[i] as number) - (onMain.features[i] as number)))
      expect(inWorkers.features.length).toBe(N_IMAGES * model.meta.embed_dim)
      expect(worst).toBeLessThan(1e-5)
    } finally {
      await decodeOnly.close()
    }
  })

  it('the suite runner reports acc1/acc5/mean_per_class_recall for a classification task', async () => {
    const task = loadSuite('datacomp-38').tasks.find((t) => t.key === 'cifar10')
    if (!task) throw new Error('cifar10 missing from suite')
    const {metrics, predictions} = await runTask({...task, size: N_IMAGES}, {model, pool, dataDir: join(root, 'wds_cls_test'), batchSize: 100})
    expect(Object.keys(metrics)).toEqual(['acc1', 'acc5', 'mean_per_class_recall'])
    expect(metrics.acc1).toBeGreaterThanOrEqual(0)
    expect(metrics.acc5 as number).toBeGreaterThanOrEqual(metrics.acc1 as number)
    // per-example predictions (predictions.ts): acc1 is the share of top-1 classes equal to the label
    if (predictions.kind !== 'classification') throw new Error(`classification predictions expected, got ${predictions.kind}`)
    expect(predictions.results).toHaveLength(N_IMAGES)
    expect(predictions.results.filter((r) => r.pred === r.label).length / N_IMAGES).toBeCloseTo(metrics.acc1 as number, 6)
    for (const r of predictions.results) expect(r.margin).toBeGreaterThanOrEqual(0)
  })
})

describe('retrieval agrees with the PyTorch reference', () => {
  let root = ''
  afterAll(() => {
    if (root) rmSync(root, {recursive: true, force: true})
  })

  it('gives the same recall@k both ways (float32 means, as clip_benchmark)', async () => {
    root = mkdtempSync(join(tmpdir(), 'dcbench-clip-retr-'))
    await runPython(fixture, ['make-model', join(root, 'model'), '--seed', '5', '--image-size', '32', '--vocab', defaultVocabPath()])
    const words = ['red', 'blue', 'green', 'small', 'large', 'circle', 'square', 'left', 'right', 'top', 'bottom', 'bright', 'dark']
    const captionsOf = (i: number) => Array.from({length: 2 + (i % 4)}, (_, j) => `a ${words[(i + j) % words.length]} ${words[(i * 7 + j * 3) % words.length]} shape number ${i % 17}`)
    await writeEvalDataset({
      dir: join(root, 'flickr_1k_test_image_text_retrieval'),
      datasetType: 'retrieval',
      samplesPerShard: 100,
      samples: (async function* () {
        for (let i = 0; i < 300; i++) yield {key: `r${i}`, members: {jpg: await syntheticImage(10_000 + i, 40 + (i % 30), 36 + (i % 20)), txt: captionsOf(i).join('\n')}}
      })(),
    })
    const model = await loadClipModel(join(root, 'model'))
    const pool = new DecodePool(model.preprocess, 2)
    try {
      const task = loadSuite('datacomp-38').tasks.find((t) => t.type === 'retrieval')
      if (!task) throw new Error('no retrieval task')
      const {metrics: ours} = await runTask(task, {model, pool, dataDir: join(root, 'flickr_1k_test_image_text_retrieval'), batchSize: 64})
      const captions = Array.from({length: 300}, (_, i) => captionsOf(i)).flat()
      const imageOf = Array.from({length: 300}, (_, i) => captionsOf(i).map(() => i)).flat()
      writeFileSync(join(root, 'tokens.json'), JSON.stringify({captions: captions.map((c) => [...model.tokenizer.tokenize([c])].map(Number)), image_of_caption: imageOf}))
      await runPython(fixture, ['retrieval', join(root, 'model'), join(root, 'flickr_1k_test_image_text_retrieval'), join(root, 'tokens.json'), join(root, 'ref.json')])
      const ref = JSON.parse(readFileSync(join(root, 'ref.json'), 'utf8')) as Record<string, number>
      for (const k of [1, 5, 10]) {
        expect(ours[`image_retrieval_recall@${k}`], `image R@${k}`).toBe(ref[`image_retrieval_recall@${k}`])
        expect(ours[`text_retrieval_recall@${k}`], `text R@${k}`).toBe(ref[`text_retrieval_recall@${k}`])
      }
      expect(ours['mean_recall@1']).toBe(0.5 * ((ref['text_retrieval_recall@1'] as number) + (ref['image_retrieval_recall@1'] as number)))
      expect(Object.keys(ours)).toEqual(['image_retrieval_recall@1', 'text_retrieval_recall@1', 'image_retrieval_recall@5', 'text_retrieval_recall@5', 'image_retrieval_recall@10', 'text_retrieval_recall@10', 'mean_recall@1'])
    } finally {
      await pool.close()
      await model.release()
    }
  })
})
