import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {retrievalMetrics, topK, winogavilChoice, winogavilMetrics} from '../../../../src/eval/clip/metrics.js'
import {predictionsFile, rankOfCorrect, readPredictions, resumableRow, roundMargin, topMargin, writePredictions} from '../../../../src/eval/datacomp/predictions.js'
import {formatResultLine, type DataCompResultRow} from '../../../../src/eval/datacomp/results-file.js'
import {loadSuite} from '../../../../src/eval/datacomp/suite.js'
import {createRng} from '../../../../src/util/rng.js'

const root = mkdtempSync(join(tmpdir(), 'dcbench-predictions-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

const row: DataCompResultRow = {key: 'vtab/cifar100', dataset: 'CIFAR-100', metrics: {acc1: 0.5, acc5: 1, mean_per_class_recall: Number.NaN, main_metric: 0.5}}
const info = {modelHash: 'a'.repeat(64), suite: 'datacomp-38', suiteVersion: '1.0.0'}

describe('DataComp per-example predictions (datacomp-tasks/<key>.json)', () => {
  it('ranks of the correct match give exactly retrievalMetrics recall@k, ties included', () => {
    const rng = createRng('predictions-test')
    const nImages = 40
    const imageOfText = Array.from({length: 120}, (_, t) => t % nImages)
    // scores on a coarse grid, so many ties: the rank must order them as topK does
    const scores = Float32Array.from({length: imageOfText.length * nImages}, () => Math.floor(rng.next() * 8) / 8)
    const metrics = retrievalMetrics(scores, imageOfText.length, nImages, imageOfText)
    const textRanks = imageOfText.map((image, t) => rankOfCorrect(scores.subarray(t * nImages, (t + 1) * nImages), (j) => j === image))
    const column = new Float32Array(imageOfText.length)
    const imageRanks = Array.from({length: nImages}, (_, i) => {
      for (let t = 0; t < imageOfText.length; t++) column[t] = scores[t * nImages + i] as number
      return rankOfCorrect(column, (t) => imageOfText[t] === i)
    })
    for (const k of [1, 5, 10]) {
      expect(Math.fround(textRanks.filter((r) => r < k).length / imageOfText.length)).toBe(metrics[`image_retrieval_recall@${k}`])
      expect(Math.fround(imageRanks.filter((r) => r < k).length / nImages)).toBe(metrics[`text_retrieval_recall@${k}`])
    }
  })

  it('margins: top-1 minus top-2, 6 significant digits, null without a second', () => {
    const scores = [0.1, 3.25, 3.2500004, -1]
    expect(topMargin(scores, topK(scores, 2))).toBe(roundMargin(3.2500004 - 3.25))
    expect(topMargin([5], [0])).toBeNull()
    expect(roundMargin(12.3456789)).toBe(12.3457)
    expect(roundMargin(Number.NaN)).toBeNull()
  })

  it('WinoGAViL: the chosen candidates are the ones the Jaccard score counts', () => {
    const item = {similarities: [0.3, 0.9, 0.5, 0.5, 0.1], gold: [true, false, true, false, false]}
    const {chosen, boundary} = winogavilChoice(item)
    // two associations: the two most similar, equal similarities in index order (argsort's last two)
    expect(chosen).toEqual([3, 1])
    expect(boundary).toEqual([0.5, 0.5])
    expect(winogavilMetrics([item]).avg_jaccard_score).toBeCloseTo(0, 12)
  })

  it('writes atomically one example per line, reads it back, and recovers the eval_results.jsonl row', async () => {
    const file = await writePredictions(
      root,
      {row, resultLine: formatResultLine(row), modelHash: info.modelHash, suite: info.suite, suiteVersion: info.suiteVersion, seconds: 1.5},
      {kind: 'classification', results: [{key: 's0', label: 2, pred: 2, margin: 0.25}, {key: 's1', label: 1, pred: 0, margin: null}]},
    )
    expect(file).toBe(join(root, 'datacomp-tasks', 'vtab', 'cifar100.json'))
    const text = readFileSync(file, 'utf8')
    expect(text.split('\n')).toHaveLength(5)
    const data = readPredictions(file)
    expect(data).toMatchObject({kind: 'classification', key: 'vtab/cifar100', examples: 2, model_hash: info.modelHash})
    const resumed = resumableRow(root, 'vtab/cifar100', info)
    expect(resumed?.row.key).toBe('vtab/cifar100')
    expect(resumed?.row.metrics.mean_per_class_recall).toBeNaN()
    expect(formatResultLine(resumed!.row)).toBe(formatResultLine(row))
    // another model's file is not this model's result
    expect(resumableRow(root, 'vtab/cifar100', {...info, modelHash: 'b'.repeat(64)})).toBeUndefined()
    expect(resumableRow(root, 'cifar10', info)).toBeUndefined()
  })

  it('refuses a damaged file with the field at fault, and keys that would leave the folder', () => {
    const file = predictionsFile(root, 'imagenet1k')
    writeFileSync(file.replace(/imagenet1k\.json$/, 'broken.json'), '{"format": "dcbench-datacomp-predictions/1", "kind": "classification", "results": [')
    expect(() => readPredictions(file.replace(/imagenet1k\.json$/, 'broken.json'))).toThrow(/DCB_RESULTS_FILE|not a JSON document/)
    const good = JSON.parse(readFileSync(predictionsFile(root, 'vtab/cifar100'), 'utf8')) as Record<string, any>
    good.results[0].pred = -1
    writeFileSync(file, JSON.stringify(good))
    expect(() => readPredictions(file)).toThrow(/results\.0\.pred/)
    good.results[0].pred = 2
    good.examples = 3
    writeFileSync(file, JSON.stringify(good))
    expect(() => readPredictions(file)).toThrow(/examples is 3, results holds 2/)
    for (const key of ['../x', '/abs', 'a//b', 'a\\b']) expect(() => predictionsFile(root, key)).toThrow(/cannot name a file/)
    // every shipped task key names a file under datacomp-tasks/
    for (const suite of ['datacomp-38', 'tiny-clip']) {
      for (const task of loadSuite(suite).tasks) expect(predictionsFile(root, task.key)).toBe(join(root, 'datacomp-tasks', `${task.key}.json`))
    }
  })
})
