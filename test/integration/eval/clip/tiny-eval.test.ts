import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {evaluateDataComp} from '../../../../src/eval/datacomp/evaluate.js'
import {parseResultsJsonl} from '../../../../src/eval/datacomp/results-file.js'
import {loadSuite} from '../../../../src/eval/datacomp/suite.js'
import {runBench, runBenchJson} from '../../../helpers/cli.js'
import {makeFixtureModel} from '../../../helpers/eval-fixtures.js'

describe('bench eval --benchmark datacomp --scale tiny (the synthetic suite)', () => {
  let root = ''
  const suite = loadSuite('tiny-clip')
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dcbench-tiny-eval-'))
    await makeFixtureModel(join(root, 'run', 'model'), 11)
  })
  afterAll(() => {
    if (root) rmSync(root, {recursive: true, force: true})
  })

  it('generates the suite on first use without --data, runs every task and prints the aggregates', async () => {
    const env = {DCBENCH_DATA: join(root, 'cache')}
    const text = await runBench(['eval', '--benchmark', 'datacomp', '--scale', 'tiny', '--model', join(root, 'run', 'model')], {env})
    expect(text.exitCode, text.stderr).toBe(0)
    expect(text.stderr).toContain('tiny/shape: generated 600 images')
    for (const name of ['Classification', 'Retrieval', 'Average']) expect(text.stdout).toContain(name)
    const dataRoot = join(root, 'cache', `tiny-clip-${suite.version}`)
    expect(existsSync(join(dataRoot, 'wds_tiny-scene_test', 'test', 'nshards.txt'))).toBe(true)

    const file = join(root, 'run', 'eval_results.jsonl')
    const rows = parseResultsJsonl(readFileSync(file, 'utf8'), file)
    expect(rows.map((r) => [r.key, r.dataset])).toEqual(suite.tasks.map((t) => [t.key, t.name]))
    expect(Object.keys(rows[4]?.metrics ?? {})).toContain('mean_recall@1')

    // Second run (--json): data is reused, not regenerated; finished tasks are skipped.
    const again = await runBenchJson<Record<string, any>>(['eval', '--benchmark', 'datacomp', '--scale', 'tiny', '--model', join(root, 'run', 'model')], {env})
    expect(again.exitCode).toBe(0)
    expect(again.json.generated).toEqual([])
    expect(again.json.ran).toEqual([])
    expect(again.json.suite).toMatchObject({id: 'tiny-clip', version: suite.version})
    expect(Object.keys(again.json.aggregates)).toEqual(['Classification', 'Retrieval', 'Average'])
    expect(again.json.partial).toBe(false)
    expect(again.json.headline).toEqual({name: 'Average', value: again.json.aggregates.Average, partial: false})
    const mains = rows.map((r) => r.metrics.main_metric as number)
    expect(again.json.aggregates.Average).toBeCloseTo(mains.reduce((a, b) => a + b, 0) / mains.length, 12)
    expect(again.json.aggregates.Retrieval).toBe(mains[4])
  })

  it('the library entry point (what bench quickstart calls) returns aggregates and the headline', async () => {
    const events: string[] = []
    const result = await evaluateDataComp({
      suite: 'tiny-clip',
      modelDir: join(root, 'run', 'model'),
      outDir: join(root, 'lib-out'),
      dataDir: join(root, 'cache'),
      tasks: ['tiny/position'],
      decodeThreads: 1,
      onProgress: (e) => events.push(e.kind),
    })
    expect(result.suite.id).toBe('tiny-clip')
    expect(result.generated).toEqual([])
    expect(result.ran).toEqual(['tiny/position'])
    expect(result.headline).toEqual({name: 'Average', value: result.aggregates.Average, partial: true})
    expect(result.aggregates.Retrieval).toBeNull()
    expect(events).toContain('task-done')
  })
})
