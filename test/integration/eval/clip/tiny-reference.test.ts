import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {formatTemplate} from '../../../../src/eval/clip/encode.js'
import {classificationMetrics} from '../../../../src/eval/clip/metrics.js'
import {loadClipModel} from '../../../../src/eval/clip/model.js'
import {readEvalDataset} from '../../../../src/eval/clip/webdataset.js'
import {parseResultsJsonl, type DataCompResultRow} from '../../../../src/eval/datacomp/results-file.js'
import {loadSuite} from '../../../../src/eval/datacomp/suite.js'
import {ensureSyntheticData} from '../../../../src/eval/datacomp/tiny-suite.js'
import {runBenchJson} from '../../../helpers/cli.js'
import {makeFixtureModel} from '../../../helpers/eval-fixtures.js'
import {runPython} from '../../../helpers/python.js'

// `bench eval --scale tiny` (the built CLI: worker decoding, onnxruntime-node) against the PyTorch
// reference loop (test/fixtures/python/tiny_clip_fixture.py: PIL decode, torchvision's open_clip eval
// transform, the torch model whose weights were exported to the ONNX files) on every image of the
// tiny suite: the same predictions, hence the same metrics, task by task.
const fixture = join(import.meta.dirname, '../../../fixtures/python/tiny_clip_fixture.py')

describe('bench eval --scale tiny agrees with the PyTorch reference on the whole tiny suite', () => {
  let root = ''
  let rows: DataCompResultRow[] = []
  let dataRoot = ''
  const suite = loadSuite('tiny-clip')

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dcbench-tiny-ref-'))
    await makeFixtureModel(join(root, 'run', 'model'), 13)
    ;({dataRoot} = await ensureSyntheticData({suite, root: join(root, 'data')}))
    const {exitCode, stderr} = await runBenchJson(['eval', '--benchmark', 'datacomp', '--scale', 'tiny', '--model', join(root, 'run', 'model'), '--data', join(root, 'data'), '--batch-size', '50'])
    expect(exitCode, stderr).toBe(0)
    const file = join(root, 'run', 'eval_results.jsonl')
    rows = parseResultsJsonl(readFileSync(file, 'utf8'), file)
  })
  afterAll(() => {
    if (root) rmSync(root, {recursive: true, force: true})
  })

  it('classification tasks: equal acc1, acc5 and mean per-class recall', async () => {
    const model = await loadClipModel(join(root, 'run', 'model'))
    try {
      for (const task of suite.tasks.filter((t) => t.type === 'zeroshot_classification')) {
        const layout = readEvalDataset(join(dataRoot, `wds_tiny-${task.key.slice(5)}_test`))
        const tokens = {classes: layout.classnames.map((c) => layout.templates.map((t) => [...model.tokenizer.tokenize([formatTemplate(t, c)])].map(Number)))}
        writeFileSync(join(root, 'tokens.json'), JSON.stringify(tokens))
        await runPython(fixture, ['classify', join(root, 'run', 'model'), layout.dir, join(root, 'tokens.json'), join(root, 'ref.json'), '--batch-size', '64'])
        const ref = JSON.parse(readFileSync(join(root, 'ref.json'), 'utf8')) as {top5: number[][]; labels: number[]}
        expect(ref.labels, task.key).toHaveLength(task.size)
        const {main_metric: main, ...ours} = rows.find((r) => r.key === task.key)?.metrics ?? {}
        expect(ours, task.key).toEqual(classificationMetrics(ref.top5, ref.labels, layout.classnames.length))
        expect(main).toBe(ours.acc1)
      }
    } finally {
      await model.release()
    }
  })

  it('retrieval: equal recall@1/5/10 both ways', async () => {
    const model = await loadClipModel(join(root, 'run', 'model'))
    try {
      const dir = join(dataRoot, 'wds_tiny-retrieval_test')
      const {readWdsSamples} = await import('../../../../src/eval/clip/webdataset.js')
      const captions: string[] = []
      const imageOf: number[] = []
      let i = 0
      for await (const s of readWdsSamples(readEvalDataset(dir).shards)) {
        for (const c of (s.members.get('txt') as Buffer).toString('utf8').split('\n')) {
          captions.push(c)
          imageOf.push(i)
        }
        i++
      }
      writeFileSync(join(root, 'tokens.json'), JSON.stringify({captions: captions.map((c) => [...model.tokenizer.tokenize([c])].map(Number)), image_of_caption: imageOf}))
      await runPython(fixture, ['retrieval', join(root, 'run', 'model'), dir, join(root, 'tokens.json'), join(root, 'ref.json')])
      const ref = JSON.parse(readFileSync(join(root, 'ref.json'), 'utf8')) as Record<string, number>
      const ours = rows.find((r) => r.key === 'tiny/retrieval')?.metrics as Record<string, number>
      for (const k of [1, 5, 10]) {
        expect(ours[`image_retrieval_recall@${k}`], `image R@${k}`).toBe(ref[`image_retrieval_recall@${k}`])
        expect(ours[`text_retrieval_recall@${k}`], `text R@${k}`).toBe(ref[`text_retrieval_recall@${k}`])
      }
      expect(ours.main_metric).toBe(ours['mean_recall@1'])
    } finally {
      await model.release()
    }
  })
})
