import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DecodePool} from '../../../../src/eval/clip/decode-pool.js'
import {winogavilPrompt} from '../../../../src/eval/clip/metrics.js'
import {loadClipModel, type ClipModel} from '../../../../src/eval/clip/model.js'
import {retrievalExamples, winogavilExamples} from '../../../../src/eval/datacomp/hub-files.js'
import {runTask} from '../../../../src/eval/datacomp/run-task.js'
import {loadSuite, type RetrievalHubFiles, type SuiteTask, type WinogavilHubFiles} from '../../../../src/eval/datacomp/suite.js'
import {makeFixtureModel} from '../../../helpers/eval-fixtures.js'
import {candidateNames, retrievalRepoFiles, syntheticRetrievalExamples, syntheticWinogavilItems, winogavilRepoFiles} from '../../../helpers/fake-hub-layouts.js'
import {runPython} from '../../../helpers/python.js'
import {syntheticImage} from '../../../helpers/synthetic-images.js'

// dcbench's Flickr/MSCOCO/WinoGAViL path (the nlphuji repos' CSV + image zip, hub-files.ts) against
// a PyTorch reference that follows DataComp's retr_eval.py / wino_eval.py and clip_benchmark 1.4.0's
// zeroshot_retrieval.py line by line (test/fixtures/python/nlphuji_reference.py), on the same files
// and the same weights: the examples (images, captions, candidates, gold labels) and every metric
// must come out equal.
const reference = join(import.meta.dirname, '../../../fixtures/python/nlphuji_reference.py')

function writeRepo(dir: string, files: Record<string, Buffer>): void {
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), {recursive: true})
    writeFileSync(join(dir, path), data)
  }
}

describe('Flickr/MSCOCO and WinoGAViL from the nlphuji files agree with the PyTorch reference (DataComp + clip_benchmark code)', () => {
  const suite = loadSuite('datacomp-38')
  let root = ''
  let model: ClipModel
  let pool: DecodePool

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dcbench-nlphuji-ref-'))
    await makeFixtureModel(join(root, 'model'), 11, 32)
    model = await loadClipModel(join(root, 'model'))
    pool = new DecodePool(model.preprocess, 2)
  })
  afterAll(async () => {
    await pool?.close()
    await model?.release()
    if (root) rmSync(root, {recursive: true, force: true})
  })

  for (const key of ['retrieval/flickr_1k_test_image_text_retrieval', 'retrieval/mscoco_2014_5k_test_image_text_retrieval']) {
    it(`${key}: same images and captions, equal recall@1/5/10 both ways and mean_recall@1`, async () => {
      const task = suite.tasks.find((t) => t.key === key) as SuiteTask
      const spec = task.hub_files as RetrievalHubFiles
      const n = 150
      const images = await Promise.all(Array.from({length: n}, (_, i) => syntheticImage(500 + i, 24 + (i % 40), 20 + ((i * 7) % 50))))
      const dir = join(root, key.split('/')[1] as string)
      writeRepo(dir, await retrievalRepoFiles(key.split('/')[1] as string, spec, syntheticRetrievalExamples(n, (i) => images[i] as Buffer)))

      const {metrics: ours, predictions} = await runTask({...task, size: n}, {model, pool, dataDir: dir, batchSize: 64})
      const captions = (await retrievalExamples(dir, task)).flatMap((e) => e.captions)
      writeFileSync(join(dir, 'tokens.json'), JSON.stringify(Object.fromEntries(captions.map((c) => [c, [...model.tokenizer.tokenize([c])].map(Number)]))))
      await runPython(reference, ['retrieval', join(root, 'model'), dir, join(dir, 'tokens.json'), join(dir, 'ref.json'), '--table', spec.table, '--zip', spec.images_zip, '--folder', spec.images_folder, '--image-column', spec.image_column, '--captions-column', spec.captions_column])
      const ref = JSON.parse(readFileSync(join(dir, 'ref.json'), 'utf8')) as {metrics: Record<string, number>; images: number; captions: number}
      expect(ref.images).toBe(n)
      expect(ref.captions).toBe(captions.length)
      expect(ours).toEqual(ref.metrics)
      expect(Object.keys(ours)).toEqual(['image_retrieval_recall@1', 'text_retrieval_recall@1', 'image_retrieval_recall@5', 'text_retrieval_recall@5', 'image_retrieval_recall@10', 'text_retrieval_recall@10', 'mean_recall@1'])
      // a random-weight model retrieves above nothing and below everything: the numbers are informative
      expect(ours['image_retrieval_recall@10']).toBeGreaterThan(0)
      expect(ours['image_retrieval_recall@1']).toBeLessThan(1)
      // the per-example predictions (predictions.ts) give the same recall@k: the share of ranks below k
      if (predictions.kind !== 'retrieval') throw new Error(`retrieval predictions expected, got ${predictions.kind}`)
      const ranksOfTexts = predictions.results.flatMap((image) => image.captions.map((c) => c.image_rank))
      expect(ranksOfTexts).toHaveLength(captions.length)
      for (const k of [1, 5, 10]) {
        expect(Math.fround(ranksOfTexts.filter((r) => r < k).length / captions.length)).toBe(ours[`image_retrieval_recall@${k}`])
        expect(Math.fround(predictions.results.filter((image) => image.text_rank < k).length / n)).toBe(ours[`text_retrieval_recall@${k}`])
      }
    })
  }

  it('misc/winogavil: same candidates and gold labels, same prompts, equal Jaccard means overall and by candidate count', async () => {
    const task = suite.tasks.find((t) => t.key === 'misc/winogavil') as SuiteTask
    const spec = task.hub_files as WinogavilHubFiles
    const names = candidateNames(60)
    const images = new Map(await Promise.all(names.map(async (c, i) => [c, await syntheticImage(900 + i, 20 + (i % 30), 24 + ((i * 3) % 30))] as const)))
    const items = syntheticWinogavilItems(120, names)
    const dir = join(root, 'winogavil')
    writeRepo(dir, await winogavilRepoFiles(spec, items, (c) => images.get(c) as Buffer))

    const examples = await winogavilExamples(dir, task)
    expect(examples.map((e) => e.gold.filter(Boolean).length)).toEqual(items.map((i) => i.associations.length))
    const {metrics: ours, predictions} = await runTask({...task, size: items.length}, {model, pool, dataDir: dir, batchSize: 64})
    writeFileSync(join(dir, 'tokens.json'), JSON.stringify(Object.fromEntries(examples.map((e) => [winogavilPrompt(e.cue), [...model.tokenizer.tokenize([winogavilPrompt(e.cue)])].map(Number)]))))
    await runPython(reference, ['winogavil', join(root, 'model'), dir, join(dir, 'tokens.json'), join(dir, 'ref.json'), '--table', spec.table, '--zip', spec.images_zip, '--folder', spec.images_folder, '--candidate-image', spec.candidate_image])
    const ref = JSON.parse(readFileSync(join(dir, 'ref.json'), 'utf8')) as {metrics: Record<string, number>; predictions: boolean[][]}
    expect(ref.predictions.map((p) => p.length)).toEqual(items.map((i) => i.candidates.length))
    expect(ours).toEqual(ref.metrics)
    expect(Object.keys(ours)).toEqual(['avg_jaccard_score', 'jaccard_score_5', 'jaccard_score_6', 'jaccard_score_10', 'jaccard_score_12', 'jaccard_score_5-6', 'jaccard_score_10-12'])
    expect(ours.avg_jaccard_score).toBeGreaterThan(0)
    expect(ours.avg_jaccard_score).toBeLessThan(1)
    // the per-example choices (predictions.ts) are the reference's picks
    if (predictions.kind !== 'association') throw new Error(`association predictions expected, got ${predictions.kind}`)
    expect(predictions.results.map((r) => [...r.chosen].sort((x, y) => x - y))).toEqual(ref.predictions.map((p) => p.flatMap((picked, i) => (picked ? [i] : []))))
  })
})
